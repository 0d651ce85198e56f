// The judgement kernel on its own: what a use-case can count on when it gives `observe` and `plan` to `judge`.
import { describe, expect, it } from "vitest";
import { StateConflict } from "../../src/errors.ts";
import { judge, NOT_FOUND } from "../../src/pipeline/judgement.ts";
import type { Deliverer, Judgement } from "../../src/pipeline/ports.ts";
import { planEvaluation, type StoredRuleState } from "../../src/state/transitions.ts";
import type { Finding } from "../../src/model.ts";
import { world } from "./fakes.ts";

const LAB = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/lab", account: "111122223333", region: "eu-west-1", name: "lab" };
const failing = (status: Finding["status"]): Finding => ({
  ruleId: "endpoint-public-access",
  clusterArn: LAB.arn,
  status,
  severity: "CRITICAL",
  message: `Rule is ${status} on lab.`,
  evidence: {},
  remediation: { text: "Close it.", command: "aws eks update-cluster-config --name lab" },
});

describe("judge", () => {
  it("observes before it reads the state, plans on both, and after a lost write does all of it again", async () => {
    const w = world();
    const steps: string[] = [];
    let conflicts = 1;
    const commit = w.store.commit.bind(w.store);
    w.store.commit = async (...args) => {
      if (conflicts-- > 0) throw new StateConflict(LAB.arn);
      return commit(...args);
    };
    const readCluster = w.store.readCluster.bind(w.store);
    w.store.readCluster = async (arn) => {
      steps.push("read");
      return readCluster(arn);
    };
    const judged = await judge(w, LAB, {}, {
      async observe() {
        steps.push("observe");
        return failing("FAIL");
      },
      plan(records: readonly StoredRuleState[], finding: Finding) {
        steps.push("plan");
        return { plan: planEvaluation(records, [finding], { now: w.now() }), at: w.now(), kind: "evaluation", cause: { trigger: "sweep" }, findings: [finding] };
      },
    });
    expect(steps).toEqual(["observe", "read", "plan", "observe", "read", "plan"]);
    expect(judged.kind).toBe("planned");
    expect(w.publisher.alerts.map((alert) => alert.attributes.transition)).toEqual(["OPENED"]);
    expect(w.store.history).toHaveLength(1);
  });

  it("writes nothing and delivers nothing for a cluster not found or a stale view", async () => {
    const w = world();
    const delivered: Judgement[] = [];
    const exporter: Deliverer = { deliver: async (_cluster, judgement) => void delivered.push(judgement) };
    const notFound = await judge({ ...w, deliverers: [exporter] }, LAB, {}, {
      observe: async () => NOT_FOUND,
      plan: () => {
        throw new Error("never planned");
      },
    });
    expect(notFound).toEqual({ kind: "not-found" });
    const stale = await judge({ ...w, deliverers: [exporter] }, LAB, {}, {
      plan: (records) => ({ plan: { ...planEvaluation(records, [failing("FAIL")], { now: w.now() }), stale: true }, at: w.now(), kind: "evaluation", cause: { trigger: "sweep" } }),
    });
    expect(stale).toEqual({ kind: "stale", observed: undefined });
    expect([w.store.history.length, w.publisher.alerts.length, delivered.length]).toEqual([0, 0, 0]);
  });

  it("keeps an early alert's entry held for its settle check, which deletes it in its own write without publishing it again", async () => {
    const w = world();
    const early = await judge(w, LAB, {}, {
      plan: (records) => ({
        plan: planEvaluation(records, [failing("FAIL")], { now: w.now() }),
        at: w.now(),
        kind: "intent",
        cause: { trigger: "intent", eventId: "open" },
        hold: { heldFor: "open", heldUntil: new Date(w.now().getTime() + 60_000).toISOString() },
      }),
    });
    expect(w.publisher.alerts).toHaveLength(1);
    expect(await w.store.pendingAlerts(LAB.arn)).toHaveLength(1);
    // Another event's judgement leaves the held entry alone.
    await judge(w, LAB, { eventId: "other" }, { plan: (records) => ({ plan: planEvaluation(records, [failing("FAIL")], { now: w.now() }), at: w.now(), kind: "evaluation", cause: { trigger: "event", eventId: "other" } }) });
    expect(await w.store.pendingAlerts(LAB.arn)).toHaveLength(1);
    // The settle check names it published: deleted with its write, not published again.
    const publishedOutboxId = early.kind === "planned" ? early.judgement.outbox.id : "";
    await judge(w, LAB, { eventId: "open", publishedOutboxId }, { plan: (records) => ({ plan: planEvaluation(records, [failing("PASS")], { now: w.now() }), at: w.now(), kind: "evaluation", cause: { trigger: "settle", eventId: "open" } }) });
    expect(await w.store.pendingAlerts(LAB.arn)).toEqual([]);
    expect(w.publisher.alerts.map((alert) => alert.attributes.transition)).toEqual(["OPENED", "RESOLVED"]);
  });
});
