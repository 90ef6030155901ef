/**
 * CSV exports are opened in spreadsheets, which run a cell starting with `=`, `+`, `-`, `@`, tab
 * or carriage return as a formula (OWASP "CSV Injection"). Post titles and authors are hostile
 * input, so every such cell is prefixed with a single quote, which the spreadsheet shows as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export type CsvValue = string | number | boolean | null | undefined | Date;

/** One cell: neutralised, then quoted per RFC 4180 when it holds a comma, quote or line break. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  // Numbers we computed are safe as they are: a negative figure must stay a number.
  if (typeof value === "number")
    return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const text = neutraliseCell(
    value instanceof Date ? value.toISOString() : value,
  );
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A whole document with CRLF line ends and a UTF-8 byte-order mark, without which Excel on a
 * Chinese Windows opens UTF-8 as GBK and the department names turn to mojibake.
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
): string {
  const lines = [
    header.map(csvCell).join(","),
    ...rows.map((r) => r.map(csvCell).join(",")),
  ];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
