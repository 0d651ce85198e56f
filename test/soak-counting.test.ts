// The soak's books, as pure functions over the alerts it read (bench/soak.ts): what counts as an alert told twice.
import { describe, expect, it } from "vitest";
import { duplicatesOf, type CountedAlert } from "../bench/soak.ts";

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
