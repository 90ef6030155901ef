import {
  beijing,
  byTimeLeft,
  countdown,
  minutes,
  percent,
  previousMonth,
} from "./format";

const NOW = Date.parse("2026-05-12T02:00:00Z");

describe("console formats", () => {
  it.each([
    ["2026-05-12T02:00:00Z", "2026-05-12 10:00"],
    ["2026-12-31T16:30:00Z", "2027-01-01 00:30"],
    [null, "—"],
    ["not a date", "—"],
  ])("beijing(%j) = %s", (iso, expected) => {
    expect(beijing(iso)).toBe(expected);
  });

  it.each([
    [
      "2026-05-12T07:00:00Z",
      { text: "剩余 5:00:00", late: false, urgent: false },
    ],
    [
      "2026-05-12T02:59:59Z",
      { text: "剩余 0:59:59", late: false, urgent: true },
    ],
    [
      "2026-05-12T01:59:59Z",
      { text: "超时 0:00:01", late: true, urgent: true },
    ],
    [
      "2026-05-11T00:00:00Z",
      { text: "超时 26:00:00", late: true, urgent: true },
    ],
    [null, { text: "未计时", late: false, urgent: false }],
  ])("countdown(%j)", (due, expected) => {
    expect(countdown(due, NOW)).toEqual(expected);
  });

  it.each([
    [null, "—"],
    [42, "42 分钟"],
    [60, "1 小时"],
    [305, "5 小时 5 分"],
  ])("minutes(%j) = %s", (value, expected) => {
    expect(minutes(value)).toBe(expected);
  });

  it.each([
    [null, "—"],
    [1, "100.0%"],
    [0.8756, "87.6%"],
  ])("percent(%j) = %s", (value, expected) => {
    expect(percent(value)).toBe(expected);
  });

  it.each([
    ["2026-05-12T02:00:00Z", "2026-04"],
    ["2026-01-05T02:00:00Z", "2025-12"],
    // 23:30 UTC on 31 May is already 1 June in Beijing.
    ["2026-05-31T23:30:00Z", "2026-05"],
  ])("previousMonth(%s) = %s", (now, expected) => {
    expect(previousMonth(Date.parse(now))).toBe(expected);
  });

  it("orders overdue first, then the nearest deadline, then unclocked by last update", () => {
    const items = [
      { id: "none-old", nextDueAt: null, updatedAt: "2026-05-12T00:00:00Z" },
      {
        id: "later",
        nextDueAt: "2026-05-12T09:00:00Z",
        updatedAt: "2026-05-12T00:00:00Z",
      },
      {
        id: "overdue",
        nextDueAt: "2026-05-12T01:00:00Z",
        updatedAt: "2026-05-12T00:00:00Z",
      },
      { id: "none-new", nextDueAt: null, updatedAt: "2026-05-12T01:00:00Z" },
      {
        id: "soon",
        nextDueAt: "2026-05-12T03:00:00Z",
        updatedAt: "2026-05-12T00:00:00Z",
      },
    ];
    expect(byTimeLeft(items).map((i) => i.id)).toEqual([
      "overdue",
      "soon",
      "later",
      "none-new",
      "none-old",
    ]);
  });
});
