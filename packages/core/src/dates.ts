// Dates as they reach EKS Warden: SDK v3 gives Date objects, `aws eks ...` JSON and JSON.stringify give ISO 8601
// strings, the wire and CloudTrail give epoch seconds, and the recordings in test/fixtures give
// `{"__class__": "datetime", year, month, day, hour, minute, second, microsecond}`.
// JavaScript's Date.parse is too lenient to be trusted with any of them (it rolls 2026-02-30 over to March 2 and
// reads a zone-less date-time in the machine's zone), so every form is checked field by field here.

/** What the date parsers accept, for error messages. */
export const DATE_EXPECTATION =
  'a date (a Date, an ISO 8601 string, epoch seconds, or {"__class__": "datetime", year, month, day, ...})';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
export const MS_PER_DAY = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function isValidParts(parts: Parts): boolean {
  const { year, month, day, hour, minute, second, millisecond } = parts;
  return (
    [year, month, day, hour, minute, second, millisecond].every(Number.isInteger) &&
    year >= 1 && year <= 9999 &&
    month >= 1 && month <= 12 &&
    day >= 1 && day <= daysInMonth(year, month) &&
    hour >= 0 && hour <= 23 &&
    minute >= 0 && minute <= 59 &&
    second >= 0 && second <= 59 &&
    millisecond >= 0 && millisecond <= 999
  );
}

function utcFromParts(parts: Parts, offsetMinutes = 0): Date | undefined {
  if (!isValidParts(parts)) return undefined;
  const { year, month, day, hour, minute, second, millisecond } = parts;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** Minutes east of UTC; no zone (or Z) is UTC: AWS never sends a zone-less time, and the machine's zone is no guess. */
function offsetInMinutes(sign: string | undefined, hoursText: string | undefined, minutesText: string | undefined): number | undefined {
  if (sign === undefined) return 0;
  const hours = Number(hoursText);
  const minutes = Number(minutesText ?? "0");
  if (hours > 23 || minutes > 59) return undefined;
  return (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** Strict ISO 8601 (date, or date-time with optional zone); undefined when not a real instant. */
export function parseIsoDate(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const offset = offsetInMinutes(match[8], match[9], match[10]);
  if (offset === undefined) return undefined;
  return utcFromParts(
    {
      year: Number(match[1]),
      month: Number(match[2]),
      day: Number(match[3]),
      hour: Number(match[4] ?? "0"),
      minute: Number(match[5] ?? "0"),
      second: Number(match[6] ?? "0"),
      millisecond: Number((match[7] ?? "0").padEnd(3, "0").slice(0, 3)),
    },
    offset,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The recording format's datetime. It carries no zone: the recorder's local clock was used (the shared fixtures
 * show UTC-4 and UTC-7), so the instant can be off by some hours; it is read as UTC.
 */
function fromRecordedDatetime(value: Record<string, unknown>): Date | undefined {
  const field = (name: string, fallback?: number): number => {
    const raw = value[name] ?? fallback;
    return typeof raw === "number" ? raw : Number.NaN;
  };
  const microsecond = field("microsecond", 0);
  return utcFromParts({
    year: field("year"),
    month: field("month"),
    day: field("day"),
    hour: field("hour", 0),
    minute: field("minute", 0),
    second: field("second", 0),
    millisecond: microsecond >= 0 && microsecond <= 999_999 ? Math.floor(microsecond / 1000) : Number.NaN,
  });
}

/** Any of the forms AWS data arrives in (see the file comment); undefined when the value is none of them. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if (typeof value === "string") return parseIsoDate(value.trim());
  if (typeof value === "number") {
    // Epoch seconds (the wire and CloudTrail); bounded so that a stray number is not read as a date in year 50000.
    return Number.isFinite(value) && value >= 0 && value < 253_402_300_800 ? new Date(Math.round(value * 1000)) : undefined;
  }
  if (isRecord(value) && value.__class__ === "datetime") return fromRecordedDatetime(value);
  return undefined;
}

/**
 * The first instant after the day `YYYY-MM-DD`, UTC: something that holds "until" that day holds while
 * `now < endOfDayUtc(day)`. Undefined when the text is not a real calendar day.
 */
export function endOfDayUtc(day: string): Date | undefined {
  const match = CALENDAR_DAY.exec(day);
  if (!match) return undefined;
  const start = utcFromParts({
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
  });
  return start && new Date(start.getTime() + MS_PER_DAY);
}
