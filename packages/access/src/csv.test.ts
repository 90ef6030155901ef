import { csvCell, neutraliseCell, toCsv } from "./csv";

describe("CSV cells a spreadsheet would run", () => {
  it.each([
    ['=HYPERLINK("http://x","点我")', `'=HYPERLINK("http://x","点我")`],
    ["+1+cmd|/C calc!A0", `'+1+cmd|/C calc!A0`],
    ["-2+3", `'-2+3`],
    ["@SUM(A1:A2)", `'@SUM(A1:A2)`],
    ["\t=1+1", `'\t=1+1`],
    ["\r=1+1", `'\r=1+1`],
    ["武都区发生山体滑坡", "武都区发生山体滑坡"],
    ["a=b", "a=b"],
    [" =1", " =1"],
    ["", ""],
  ])("neutraliseCell(%j) = %j", (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });

  it.each([
    ["=1+1", `'=1+1`],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["=1,2", `"'=1,2"`],
    ['-"x"', `"'-""x"""`],
    [-5, "-5"],
    [0.875, "0.875"],
    [Number.NaN, ""],
    [null, ""],
    [undefined, ""],
    [true, "true"],
    [new Date("2026-05-12T02:00:00Z"), "2026-05-12T02:00:00.000Z"],
  ])("csvCell(%j) = %j", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("writes a BOM, CRLF rows and neutralised hostile cells", () => {
    expect(
      toCsv(
        ["部门", "标题"],
        [
          ["市安监局", '=cmd|"/C calc"!A0'],
          ["@x", 3],
        ],
      ),
    ).toBe(`\uFEFF部门,标题\r\n市安监局,"'=cmd|""/C calc""!A0"\r\n'@x,3\r\n`);
  });
});
