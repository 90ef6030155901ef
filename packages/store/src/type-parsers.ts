/**
 * How both adapters turn PostgreSQL's text output into JavaScript values. One table, so a query
 * returns the same shapes from the server (node-postgres) and from PGlite:
 *
 * - `timestamptz` → ISO-8601 string in UTC with milliseconds (`2025-01-01T00:00:00.000Z`), the
 *   shape of the contracts' `Instant`. Sub-millisecond digits are dropped (JavaScript instants
 *   have milliseconds). `infinity` / `-infinity` stay as PostgreSQL spells them.
 * - `bigint` (`int8`, `count(*)`, `bigserial`) → number while it is a safe integer, else the
 *   decimal string (never a BigInt, which JSON cannot carry).
 * - `date`, `timestamp` (without time zone), `interval` → the text PostgreSQL printed: they name no
 *   instant, so turning them into a Date would invent a time zone.
 * - Arrays of these types get the same treatment element by element.
 *
 * Everything else keeps the adapters' common defaults: `json`/`jsonb` parsed, `numeric` as a
 * string, `bool` as boolean, `int4`/`float` as numbers, `text[]` as string arrays.
 */

export const OID = {
  INT8: 20,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  INTERVAL: 1186,
} as const;

/** Element type → its array type, for the adapters that do not derive array parsers themselves. */
export const ARRAY_OID_OF: Readonly<Record<number, number>> = {
  [OID.INT8]: 1016,
  [OID.DATE]: 1182,
  [OID.TIMESTAMP]: 1115,
  [OID.TIMESTAMPTZ]: 1185,
  [OID.INTERVAL]: 1187,
};

const TIMESTAMPTZ_TEXT =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)( BC)?$/;

/**
 * Converts PostgreSQL's `timestamptz` output (any session time zone, any DateStyle=ISO offset form,
 * e.g. `2025-01-01 08:00:00.123456+08`, `1890-01-01 00:00:00+08:05:43`) to an ISO string in UTC.
 */
export function timestamptzToIso(text: string): string {
  const m = TIMESTAMPTZ_TEXT.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om, os, bc] = m;
  let year = Number(y);
  // Astronomical numbering: 1 BC is year 0.
  if (bc) year = 1 - year;
  const millis = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), millis);
  const offsetSeconds =
    (sign === '-' ? -1 : 1) * (Number(oh ?? 0) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  return new Date(date.getTime() - offsetSeconds * 1000).toISOString();
}

/** `int8` as a number while exact, else the decimal string. */
export function int8ToNumber(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const asText = (text: string): string => text;

/** The element parsers both adapters install, by type OID. */
export const TEXT_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [OID.INT8]: int8ToNumber,
  [OID.TIMESTAMPTZ]: timestamptzToIso,
  [OID.DATE]: asText,
  [OID.TIMESTAMP]: asText,
  [OID.INTERVAL]: asText,
};

/** Applies an element parser through a parsed (possibly nested) array, keeping NULLs. */
export function mapArray(value: unknown, parse: (text: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapArray(item, parse));
  return value === null ? null : parse(String(value));
}
