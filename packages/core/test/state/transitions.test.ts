import { describe, it, expect } from "vitest";
import type { Finding, FindingStatus, Severity } from "../../src/model.ts";
import { planClose, planEvaluation, planIntent, type StoredRuleState } from "../../src/state/transitions.ts";

const ARN = "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod";
const T0 = new Date("2026-01-05T10:00:00Z");
const T1 = new Date("2026-01-05T10:05:00Z");
const T2 = new Date("2026-01-05T10:10:00Z");

function finding(status: FindingStatus, severity: Severity = "CRITICAL", extra: Partial<Finding> = {}): Finding {
  return {
    ruleId: "endpoint-public-access",
    clusterArn: ARN,
    status,
    severity,
    message: `Cluster payments-prod is ${status}.`,
    evidence: { status },
    remediation: { text: "Make it private.", command: "aws eks update-cluster-config --name payments-prod" },
    ...extra,
  };
}

/** Runs a plan and returns the records as they would be stored. */
function apply(previous: readonly StoredRuleState[], plan: { writes: readonly { record: StoredRuleState }[] }): StoredRuleState[] {
  const byRule = new Map(previous.map((record) => [record.ruleId, record]));
  for (const write of plan.writes) byRule.set(write.record.ruleId, write.record);
  return [...byRule.values()];
}

function kinds(plan: { notify: readonly { kind: string }[] }): string[] {
  return plan.notify.map((transition) => transition.kind);
}

describe("planEvaluation of some rules only", () => {
  it("leaves the records of rules not evaluated as they are: not resolved, not closed, and not a reason to call the view stale", () => {
    const stored = apply([], planEvaluation([], [finding("FAIL"), finding("FAIL", "MEDIUM", { ruleId: "nodegroup-version-skew" })], { now: T0 }));
    // A later event re-evaluated the endpoint rule alone, from a read at T2.
    const endpointOnly = apply(stored, planEvaluation(stored, [finding("FAIL")], { now: T2 }));
    // This evaluation of the node-group rule read the cluster at T1: older than the endpoint record, newer than its own.
    const plan = planEvaluation(endpointOnly, [finding("PASS", "INFO", { ruleId: "nodegroup-version-skew" })], { now: T2, observedAt: T1 });
    expect(plan.stale).toBe(false);
    expect(plan.writes.map((write) => write.record.ruleId)).toEqual(["nodegroup-version-skew"]);
    expect(kinds(plan)).toEqual(["RESOLVED"]);
    expect(plan.notify[0]?.ruleId).toBe("nodegroup-version-skew");
    // Its own record observed later than its read would still make it stale.
    const newer = apply(endpointOnly, planEvaluation(endpointOnly, [finding("FAIL", "MEDIUM", { ruleId: "nodegroup-version-skew" })], { now: T2 }));
    expect(planEvaluation(newer, [finding("PASS", "INFO", { ruleId: "nodegroup-version-skew" })], { now: T2, observedAt: T1 }).stale).toBe(true);
  });
});

describe("planEvaluation", () => {
  it("a first FAIL opens; the same FAIL again is not a transition; PASS resolves", () => {
    const opened = planEvaluation([], [finding("FAIL")], { now: T0, eventId: "e1" });
    expect(kinds(opened)).toEqual(["OPENED"]);
    expect(opened.writes[0]).toMatchObject({ expectedVersion: 0, record: { status: "FAIL", version: 1, lastEventId: "e1", since: T0.toISOString() } });
    expect(opened.notify[0]?.before).toBeUndefined();
    const stored = apply([], opened);

    const repeat = planEvaluation(stored, [finding("FAIL")], { now: T1 });
    expect(repeat.notify).toEqual([]);
    expect(repeat.writes[0]).toMatchObject({ expectedVersion: 1, record: { version: 2, since: T0.toISOString(), observedAt: T1.toISOString() } });

    const resolved = planEvaluation(apply(stored, repeat), [finding("PASS", "INFO")], { now: T2 });
    expect(kinds(resolved)).toEqual(["RESOLVED"]);
    expect(resolved.notify[0]?.before?.status).toBe("FAIL");
    expect(resolved.writes[0]?.record.since).toBe(T2.toISOString());
  });

  it("a first PASS and NOT_APPLICABLE are stored without a transition", () => {
    const plan = planEvaluation([], [finding("PASS", "INFO"), finding("NOT_APPLICABLE", "INFO", { ruleId: "other" })], { now: T0 });
    expect(plan.transitions).toEqual([]);
    expect(plan.writes).toHaveLength(2);
  });

  it("severity up escalates, severity down is stored quietly", () => {
    const stored = apply([], planEvaluation([], [finding("FAIL", "MEDIUM")], { now: T0 }));
    const up = planEvaluation(stored, [finding("FAIL", "CRITICAL")], { now: T1 });
    expect(kinds(up)).toEqual(["ESCALATED"]);
    const down = planEvaluation(apply(stored, up), [finding("FAIL", "LOW")], { now: T2 });
    expect(down.notify).toEqual([]);
    expect(down.writes[0]?.record.severity).toBe("LOW");
  });

  it("exemption: EXEMPTED on entering, quiet while it holds, EXPIRED when it runs out", () => {
    const exemption = { until: "2026-01-31", reason: "migration", source: "tag" as const, expired: false };
    const failing = apply([], planEvaluation([], [finding("FAIL")], { now: T0 }));
    const exempted = planEvaluation(failing, [finding("EXEMPT", "CRITICAL", { exemption })], { now: T1 });
    expect(kinds(exempted)).toEqual(["EXEMPTED"]);
    const stored = apply(failing, exempted);
    expect(stored[0]?.exemption).toEqual(exemption);
    expect(planEvaluation(stored, [finding("EXEMPT", "CRITICAL", { exemption })], { now: T1 }).notify).toEqual([]);
    const expired = planEvaluation(stored, [finding("FAIL", "CRITICAL", { exemption: { ...exemption, expired: true } })], { now: T2 });
    expect(kinds(expired)).toEqual(["EXPIRED"]);
    // An exempt rule that passes needs no alert while its exemption holds (the engine keeps it on the PASS, armed);
    // a PASS without it means the exemption was removed: told as UNEXEMPTED.
    expect(planEvaluation(stored, [finding("PASS", "CRITICAL", { exemption })], { now: T2 }).notify).toEqual([]);
    expect(kinds(planEvaluation(stored, [finding("PASS", "CRITICAL")], { now: T2 }))).toEqual(["UNEXEMPTED"]);
  });

  it("ERROR never resolves an open FAIL, alerts once as ERRORED, and counts", () => {
    const failing = apply([], planEvaluation([], [finding("FAIL")], { now: T0 }));
    const first = planEvaluation(failing, [finding("ERROR", "CRITICAL")], { now: T1 });
    expect(kinds(first)).toEqual(["ERRORED"]);
    expect(first.writes[0]?.record).toMatchObject({ status: "FAIL", error: { count: 1, since: T1.toISOString() } });
    const afterFirst = apply(failing, first);
    const second = planEvaluation(afterFirst, [finding("ERROR", "CRITICAL")], { now: T2 });
    expect(second.notify).toEqual([]);
    expect(second.writes[0]?.record).toMatchObject({ status: "FAIL", error: { count: 2, since: T1.toISOString() } });
    // Decided again and still failing: not a new OPENED; the error block is gone.
    const back = planEvaluation(apply(afterFirst, second), [finding("FAIL")], { now: T2 });
    expect(back.notify).toEqual([]);
    expect(back.writes[0]?.record.error).toBeUndefined();
  });

  it("a rule that never decided is stored as ERROR; its first decision is judged from nothing", () => {
    const errored = planEvaluation([], [finding("ERROR", "HIGH")], { now: T0 });
    expect(kinds(errored)).toEqual(["ERRORED"]);
    expect(errored.writes[0]?.record.status).toBe("ERROR");
    const opened = planEvaluation(apply([], errored), [finding("FAIL", "HIGH")], { now: T1 });
    expect(kinds(opened)).toEqual(["OPENED"]);
    expect(opened.notify[0]?.before).toBeUndefined();
  });

  it("an evaluation older than what is stored is stale", () => {
    const stored = apply([], planEvaluation([], [finding("PASS", "INFO")], { now: T1 }));
    expect(planEvaluation(stored, [finding("FAIL")], { now: T2, observedAt: T0 }).stale).toBe(true);
    expect(planEvaluation(stored, [finding("FAIL")], { now: T2 }).stale).toBe(false);
  });
});

describe("intent, then settle", () => {
  it("the early alert is the OPENED notification: a confirming settle sends nothing", () => {
    const passing = apply([], planEvaluation([], [finding("PASS", "INFO")], { now: T0 }));
    const intent = planIntent(passing, [finding("FAIL"), finding("PASS", "INFO", { ruleId: "other" })], { now: T1, eventId: "e-open" });
    expect(kinds(intent)).toEqual(["OPENED"]);
    expect(intent.notify[0]?.inProgress).toBe(true);
    expect(intent.writes).toHaveLength(1);
    // The stored status does not change on an intent.
    expect(intent.writes[0]).toMatchObject({ expectedVersion: 1, record: { status: "PASS", version: 2, intent: { eventId: "e-open", severity: "CRITICAL" } } });
    const marked = apply(passing, intent);

    const settled = planEvaluation(marked, [finding("FAIL")], { now: T2, settles: "e-open" });
    expect(settled.notify).toEqual([]);
    expect(settled.transitions.map((transition) => transition.kind)).toEqual(["OPENED"]);
    expect(settled.writes[0]?.record.intent).toBeUndefined();
    expect(settled.writes[0]?.record.status).toBe("FAIL");
  });

  it("a settle worse than the intent still alerts", () => {
    const marked = apply([], planIntent([], [finding("FAIL", "MEDIUM")], { now: T1, eventId: "e1" }));
    expect(marked[0]).toMatchObject({ status: "ERROR", intent: { severity: "MEDIUM" } });
    const settled = planEvaluation(marked, [finding("FAIL", "CRITICAL")], { now: T2, settles: "e1" });
    expect(kinds(settled)).toEqual(["OPENED"]);
  });

  it("a change that did not take effect gets one correcting RESOLVED", () => {
    const passing = apply([], planEvaluation([], [finding("PASS", "INFO")], { now: T0 }));
    const marked = apply(passing, planIntent(passing, [finding("FAIL")], { now: T1, eventId: "e-open" }));
    // Another event's live read while the update runs still sees the old config: the marker stays.
    const meanwhile = planEvaluation(marked, [finding("PASS", "INFO")], { now: T1, settles: "someone-else" });
    expect(meanwhile.notify).toEqual([]);
    expect(meanwhile.writes[0]?.record.intent?.eventId).toBe("e-open");
    const settled = planEvaluation(apply(marked, meanwhile), [finding("PASS", "INFO")], { now: T2, settles: "e-open" });
    expect(kinds(settled)).toEqual(["RESOLVED"]);
    expect(settled.notify[0]).toMatchObject({ correcting: true, before: { status: "FAIL", severity: "CRITICAL" } });
    expect(settled.writes[0]?.record.intent).toBeUndefined();
  });

  it("a settle that lands in EXEMPT reports the exemption, never that the change did not take effect (it did)", () => {
    const marked = apply([], planIntent([], [finding("FAIL")], { now: T1, eventId: "e1" }));
    const exemption = { until: "2026-02-01", reason: "lab", source: "policy" as const, expired: false };
    const settled = planEvaluation(marked, [finding("EXEMPT", "CRITICAL", { exemption })], { now: T2, settles: "e1" });
    expect(kinds(settled)).toEqual(["EXEMPTED"]);
    expect(settled.notify.map((transition) => [transition.kind, transition.correcting])).toEqual([["EXEMPTED", undefined]]);
  });

  it("no early alert when the rule already fails, or an equal alert is already pending", () => {
    const failing = apply([], planEvaluation([], [finding("FAIL")], { now: T0 }));
    expect(planIntent(failing, [finding("FAIL")], { now: T1, eventId: "e2" }).notify).toEqual([]);
    const marked = apply([], planIntent([], [finding("FAIL")], { now: T1, eventId: "e1" }));
    expect(planIntent(marked, [finding("FAIL", "HIGH")], { now: T1, eventId: "e3" }).notify).toEqual([]);
  });
});

describe("planClose", () => {
  it("marks every open record closed, keeps them, notifies nothing; a recreated cluster starts afresh", () => {
    const failing = apply([], planEvaluation([], [finding("FAIL"), finding("PASS", "INFO", { ruleId: "other" })], { now: T0 }));
    const marked = apply(failing, planIntent(failing, [finding("FAIL", "CRITICAL", { ruleId: "other" })], { now: T0, eventId: "e" }));
    const close = planClose(marked, { now: T1, eventId: "e-delete" });
    expect(close.notify).toEqual([]);
    expect(close.writes.map((write) => write.record.closed)).toEqual([
      { at: T1.toISOString(), eventId: "e-delete" },
      { at: T1.toISOString(), eventId: "e-delete" },
    ]);
    expect(close.writes[1]?.record.intent).toBeUndefined();
    const closed = apply(marked, close);
    expect(planClose(closed, { now: T2 }).writes).toEqual([]);
    const recreated = planEvaluation(closed, [finding("FAIL")], { now: T2 });
    expect(kinds(recreated)).toEqual(["OPENED"]);
    expect(recreated.writes[0]).toMatchObject({ expectedVersion: 2, record: { version: 3 } });
    expect(recreated.writes[0]?.record.closed).toBeUndefined();
  });
});

describe("rarer paths", () => {
  it("an escalation announced early, settled at the old severity: nothing more to say, marker cleared", () => {
    const failing = apply([], planEvaluation([], [finding("FAIL", "MEDIUM")], { now: T0 }));
    const intent = planIntent(failing, [finding("FAIL", "CRITICAL")], { now: T1, eventId: "e1" });
    expect(kinds(intent)).toEqual(["ESCALATED"]);
    const settled = planEvaluation(apply(failing, intent), [finding("FAIL", "MEDIUM")], { now: T2, settles: "e1" });
    expect(settled.transitions).toEqual([]);
    expect(settled.writes[0]?.record.intent).toBeUndefined();
  });

  it("closing without an event id (found missing by a sweep)", () => {
    const stored = apply([], planEvaluation([], [finding("PASS", "INFO")], { now: T0 }));
    expect(planClose(stored, { now: T1 }).writes[0]?.record.closed).toEqual({ at: T1.toISOString() });
  });
});
