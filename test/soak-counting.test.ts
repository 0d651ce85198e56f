// The soak's books, as pure functions over the alerts it read (bench/soak.ts): what counts as an alert told twice.
import { describe, expect, it } from "vitest";
import { duplicatesOf, sweepCause, type CountedAlert, type SoakHistory } from "../bench/soak.ts";

const CLUSTER = "arn:aws:eks:us-east-1:222222222222:cluster/soak-3";

function alert(transition: CountedAlert["transition"], status: CountedAlert["after"]["status"], evaluatedAt: string, extra: Partial<CountedAlert> = {}): CountedAlert {
  return { ruleId: "endpoint-public-access", transition, evaluatedAt, cluster: { arn: CLUSTER }, after: { status, severity: "HIGH" }, cause: { trigger: "sweep" }, ...extra };
}

describe("the soak's duplicate count", () => {
  it("does not count an ERRORED re-entry (told ERRORED by two sweeps, a silent recovery between) as a duplicate", () => {
    // A member cluster unreadable in one sweep, read again (back to its decided status: not alerted, by design), and
    // unreadable in the next: two entries into the error state, each told once.
    const alerts = [
      alert("OPENED", "FAIL", "2026-12-01T10:00:00Z", { cause: { trigger: "event" } }),
      alert("ERRORED", "ERROR", "2026-12-02T00:00:00Z", { before: { status: "FAIL" } }),
      alert("ERRORED", "ERROR", "2026-12-04T00:00:00Z", { before: { status: "FAIL" } }),
    ];
    expect(duplicatesOf(alerts)).toEqual([]);
  });

  it("reads an unreadable cluster's one ERRORED alert as every rule's it names: their next alert is no repeat", () => {
    const alerts = [
      alert("OPENED", "FAIL", "2026-12-01T10:00:00Z", { cause: { trigger: "intent" } }),
      alert("ERRORED", "ERROR", "2026-12-02T00:00:00Z", { ruleId: "version-support", sameProblem: ["endpoint-public-access", "audit-logging"] }),
      alert("OPENED", "FAIL", "2026-12-03T00:00:00Z", { cause: { trigger: "intent" } }),
    ];
    expect(duplicatesOf(alerts)).toEqual([]);
    expect(duplicatesOf(alerts.filter((candidate) => candidate.transition !== "ERRORED"))).toHaveLength(1);
  });

  it("counts the same transition to the same state told twice, whichever found it", () => {
    const alerts = [
      alert("OPENED", "FAIL", "2026-12-01T10:00:00Z", { cause: { trigger: "event" } }),
      alert("OPENED", "FAIL", "2026-12-02T00:00:00Z"),
      // Told again after a resolution between: not a repeat.
      alert("RESOLVED", "PASS", "2026-12-02T08:00:00Z", { cause: { trigger: "settle" } }),
      alert("OPENED", "FAIL", "2026-12-03T00:00:00Z"),
    ];
    expect(duplicatesOf(alerts)).toEqual([`${CLUSTER} endpoint-public-access: OPENED to FAIL told again (event then sweep)`]);
  });

  it("orders by evaluation time, not by the order read, and leaves out a flapping summary", () => {
    const alerts = [
      alert("RESOLVED", "PASS", "2026-12-01T12:00:00Z"),
      alert("OPENED", "FAIL", "2026-12-01T10:00:00Z", { cause: { trigger: "event" } }),
      alert("RESOLVED", "PASS", "2026-12-01T12:05:00Z", { flapped: { count: 2, first: "2026-12-01T12:01:00Z", last: "2026-12-01T12:04:00Z", kind: "RESOLVED", status: "PASS", summary: true } }),
    ];
    expect(duplicatesOf(alerts)).toEqual([]);
  });
});

describe("why the sweep, not an event, told an alert", () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  // Sweeps at the start and at each midnight; the one of day 2 ran beside a round that began at 23:50.
  const sweeps = [{ at: 0, roundBegan: 0 }, { at: DAY, roundBegan: DAY }, { at: 2 * DAY, roundBegan: 2 * DAY - 10 * 60_000 }];
  const history = (calls: number[] = [], missed: number[] = []): SoakHistory => ({ calls: new Map([[CLUSTER, calls]]), missed: new Map([[CLUSTER, missed]]), sweeps });
  const bySweep = alert("OPENED", "FAIL", "2026-12-03T00:00:00Z");

  it("a change whose event was lost or dead-lettered since the sweep before is the lost-event share", () => {
    expect(sweepCause(bySweep, 2 * DAY, history([DAY + 5 * HOUR], [DAY + 5 * HOUR]))).toBe("lost event");
    // Lost in the round beside the sweep before: that change may have been in progress when it read the cluster.
    expect(sweepCause(bySweep, 2 * DAY, history([DAY], [DAY]))).toBe("lost event");
  });

  it("a rule that changed with no call since the sweep before is time's, not a lost event's", () => {
    expect(sweepCause(bySweep, 2 * DAY, history([DAY - HOUR], [DAY - HOUR]))).toBe("no call since the sweep before");
    expect(sweepCause(bySweep, 2 * DAY, history())).toBe("no call since the sweep before");
  });

  it("an unreadable cluster (and its reading again) is an error, a call in the sweep's own round is beside its event", () => {
    expect(sweepCause(alert("ERRORED", "ERROR", "2026-12-03T00:00:00Z"), 2 * DAY, history([DAY + HOUR], [DAY + HOUR]))).toBe("error");
    expect(sweepCause(alert("OPENED", "FAIL", "2026-12-03T00:00:00Z", { before: { status: "ERROR" } }), 2 * DAY, history())).toBe("error");
    expect(sweepCause(bySweep, 2 * DAY, history([2 * DAY - 60_000]))).toBe("beside its event");
  });

  it("a call since the sweep before, its events delivered, told only by the sweep, is named as the event path's miss", () => {
    expect(sweepCause(bySweep, 2 * DAY, history([DAY + 5 * HOUR]))).toBe("called, not told by its events");
  });
});
