// The missed-run alarms' windows, from the policy's schedules: a daily sweep is missed after 30 hours, a weekly
// digest by the midnight after it was due, and a schedule CloudWatch cannot watch is refused with a clear error.
import { describe, expect, it } from "vitest";
import { ALARMS, alarmWindow, longestGapSeconds, type AlarmDescription } from "../../src/deployment/alarms.ts";
import { DEFAULT_SCHEDULES } from "../../src/policy.ts";

const HOUR = 3600;
const DAY = 86_400;
const row = (id: string): AlarmDescription => {
  const found = ALARMS.find((alarm) => alarm.id === id);
  if (!found) throw new Error(`no alarm ${id}`);
  return found;
};

describe("longestGapSeconds", () => {
  it("reads rates, daily crons, crons on days of the week, and crons on days of the month", () => {
    expect(longestGapSeconds("rate(1 day)")).toBe(DAY);
    expect(longestGapSeconds("rate(12 hours)")).toBe(12 * HOUR);
    expect(longestGapSeconds("rate(30 minutes)")).toBe(30 * 60);
    expect(longestGapSeconds(DEFAULT_SCHEDULES.sweep)).toBe(DAY);
    expect(longestGapSeconds(DEFAULT_SCHEDULES.digest)).toBe(7 * DAY);
    expect(longestGapSeconds("cron(0 8 ? * MON-FRI *)")).toBe(3 * DAY);
    expect(longestGapSeconds("cron(0 8 ? * 2,5 *)")).toBe(4 * DAY);
    expect(longestGapSeconds("cron(0 8 1 * ? *)")).toBe(31 * DAY);
  });
});

describe("alarmWindow", () => {
  const schedules = { sweep: DEFAULT_SCHEDULES.sweep, digest: DEFAULT_SCHEDULES.digest };

  it("gives a daily sweep 30 hours (a day and a 6-hour margin), all periods missing", () => {
    expect(alarmWindow(row("SweepMissedAlarm"), schedules)).toEqual({ periodSeconds: 6 * HOUR, evaluationPeriods: 5, datapointsToAlarm: 5 });
  });

  it("gives a weekly digest CloudWatch's 7 days of day-long periods, and an every-12-hours sweep 18 hours", () => {
    expect(alarmWindow(row("DigestMissedAlarm"), schedules)).toEqual({ periodSeconds: DAY, evaluationPeriods: 7, datapointsToAlarm: 7 });
    expect(alarmWindow(row("SweepMissedAlarm"), { ...schedules, sweep: "rate(12 hours)" })).toEqual({ periodSeconds: 6 * HOUR, evaluationPeriods: 3, datapointsToAlarm: 3 });
  });

  it("refuses a schedule whose runs can be more than 7 days apart, naming it", () => {
    expect(() => alarmWindow(row("DigestMissedAlarm"), { ...schedules, digest: "cron(0 8 1 * ? *)" })).toThrow(
      'policy.schedules.digest "cron(0 8 1 * ? *)" can leave more than 7 days between runs, and CloudWatch watches at most 7 days for a run that did not happen: schedule it at least weekly',
    );
  });

  it("keeps every other alarm's own window", () => {
    expect(alarmWindow(row("HeartbeatMissingAlarm"), schedules)).toEqual({ periodSeconds: 6 * HOUR, evaluationPeriods: 5, datapointsToAlarm: 5 });
    expect(alarmWindow(row("SettleErrorsAlarm"), schedules)).toEqual({ periodSeconds: 300, evaluationPeriods: 1 });
  });
});
