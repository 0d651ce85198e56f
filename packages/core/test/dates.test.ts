import { describe, expect, it } from "vitest";
import { endOfDayUtc, parseIsoDate, toDate } from "../src/dates.ts";

describe("toDate reads every form AWS dates arrive in", () => {
  it.each<[string, unknown, string]>([
    ["an SDK Date", new Date("2024-03-08T14:09:42.067Z"), "2024-03-08T14:09:42.067Z"],
    ["CloudTrail epoch seconds", 1709906982.067, "2024-03-08T14:09:42.067Z"],
    ["AWS CLI v1 ISO 8601 with microseconds", "2018-06-11T07:41:49.025000+00:00", "2018-06-11T07:41:49.025Z"],
    ["an ISO string with a negative offset", "2025-10-01T19:00:00-05:00", "2025-10-02T00:00:00.000Z"],
    ["an offset without a colon", "2025-10-01T19:00:00+0530", "2025-10-01T13:30:00.000Z"],
    ["an hour-only offset", "2025-10-01T19:00:00+05", "2025-10-01T14:00:00.000Z"],
    ["a lower-case z", "2025-10-01T19:00:00z", "2025-10-01T19:00:00.000Z"],
    ["a zone-less date-time, as UTC rather than machine time", "2025-10-01 19:00", "2025-10-01T19:00:00.000Z"],
    ["a bare date", "2026-02-28", "2026-02-28T00:00:00.000Z"],
    ["a leap day", "2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["a year before 100 (not shifted to the 1900s)", "0050-01-01T00:00:00Z", "0050-01-01T00:00:00.000Z"],
    ["a recorded datetime", { __class__: "datetime", year: 2019, month: 3, day: 22, hour: 7, minute: 15, second: 50, microsecond: 192000 }, "2019-03-22T07:15:50.192Z"],
    ["a recorded datetime with only the date", { __class__: "datetime", year: 2019, month: 3, day: 22 }, "2019-03-22T00:00:00.000Z"],
  ])("%s", (_what, input, iso) => {
    expect(toDate(input)?.toISOString()).toBe(iso);
  });

  it.each<[string, unknown]>([
    ["an invalid Date", new Date(Number.NaN)],
    ["a day that does not exist (Date.parse would roll it over)", "2026-02-30T00:00:00Z"],
    ["a non-leap February 29th", "2026-02-29"],
    ["hour 24", "2026-02-28T24:00:00Z"],
    ["minute 60", "2026-02-28T23:60:00Z"],
    ["an offset of 24 hours", "2026-02-28T12:00:00+24:00"],
    ["offset minutes past 59", "2026-02-28T12:00:00+01:60"],
    ["prose", "next Tuesday"],
    ["a negative epoch", -1],
    ["an epoch beyond year 9999", 253_402_300_800],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a recorded datetime with a string field", { __class__: "datetime", year: "2019", month: 3, day: 22 }],
    ["a recorded datetime with month 13", { __class__: "datetime", year: 2019, month: 13, day: 1 }],
    ["a recorded datetime with too many microseconds", { __class__: "datetime", year: 2019, month: 3, day: 22, microsecond: 1_000_000 }],
    ["a recorded datetime in year 0", { __class__: "datetime", year: 0, month: 1, day: 1 }],
    ["another class", { __class__: "date", year: 2019, month: 3, day: 22 }],
    ["null", null],
    ["a boolean", true],
  ])("rejects %s", (_what, input) => {
    expect(toDate(input)).toBeUndefined();
  });

  it("returns a copy of a Date, so callers cannot change the input through it", () => {
    const input = new Date("2024-01-01T00:00:00Z");
    const output = toDate(input)!;
    output.setUTCFullYear(2000);
    expect(input.toISOString()).toBe("2024-01-01T00:00:00.000Z");
  });

  it("parseIsoDate is strict about the shape", () => {
    expect(parseIsoDate("2024-01-01T00:00:00Z")?.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(parseIsoDate(" 2024-01-01")).toBeUndefined();
    expect(parseIsoDate("2024-1-1")).toBeUndefined();
  });
});

describe("endOfDayUtc", () => {
  it("is the first instant after the day, UTC", () => {
    expect(endOfDayUtc("2026-12-31")?.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(endOfDayUtc("2024-02-29")?.toISOString()).toBe("2024-03-01T00:00:00.000Z");
  });

  it.each(["2026-02-29", "2026-13-01", "2026-12-31T00:00:00Z", "31.12.2026", ""])("rejects %j", (text) => {
    expect(endOfDayUtc(text)).toBeUndefined();
  });
});
