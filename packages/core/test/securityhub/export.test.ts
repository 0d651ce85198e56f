// The Security Hub export through the judgement kernel: staged with the state change, imported after the write,
// kept in the outbox until Security Hub took it, never re-imported when nothing changed, never lost on a failure.
import { describe, expect, it } from "vitest";
import { FindingsNotImported } from "../../src/errors.ts";
import type { Rule } from "../../src/model.ts";
import { ruleById } from "../../src/rules/index.ts";
import { evaluateLive } from "../../src/pipeline/evaluate-live.ts";
import { StagedBatch } from "../../src/pipeline/staged-batch.ts";
import { SecurityHubExport, type FindingsImporter } from "../../src/securityhub/export.ts";
import type { AsffFinding } from "../../src/securityhub/finding.ts";
import type { PendingAlerts } from "../../src/pipeline/ports.ts";
import type { StoredRuleState } from "../../src/state/transitions.ts";
import { OPEN, PRIVATE, clusterRecord, world } from "../pipeline/fakes.ts";

const LAB = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/lab", account: "111122223333", region: "eu-west-1", name: "lab" };
const SETTINGS = { account: "111122223333", home: "eu-west-1", regions: [] };
const ID = `${LAB.arn}/endpoint-public-access`;

class RecordingImporter implements FindingsImporter {
  readonly calls: { region: string; findings: AsffFinding[] }[] = [];
  readonly failures: Error[] = [];
  async importFindings(region: string, findings: readonly AsffFinding[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.calls.push({ region, findings: structuredClone([...findings]) });
  }
  byId(id: string): AsffFinding[] {
    return this.calls.flatMap((call) => call.findings).filter((finding) => finding.Id === id);
  }
}

/** The finding Ids an outbox entry keeps to send: its staged records, by cluster and rule. */
function stagedIds(entry: PendingAlerts | undefined): string[] {
  return ((entry?.staged?.securityHub ?? []) as StoredRuleState[]).map((record) => `${record.clusterArn}/${record.ruleId}`);
}

function setUp() {
  const w = world();
  const importer = new RecordingImporter();
  const deps = { ...w, deliverers: [new SecurityHubExport(importer, SETTINGS)] };
  return { w, importer, deps };
}

describe("the Security Hub export", () => {
  it("an opening and its undo are one finding (same Id): FAILED/ACTIVE, then PASSED/ARCHIVED; a repeat imports nothing", async () => {
    const { w, importer, deps } = setUp();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    expect(importer.byId(ID)).toEqual([]);

    w.clock.now = new Date("2026-01-05T11:00:00Z");
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    w.clock.now = new Date("2026-01-05T12:00:00Z");
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    w.clock.now = new Date("2026-01-05T13:00:00Z");
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await evaluateLive(deps, LAB, { trigger: "sweep" });

    expect(importer.byId(ID).map((finding) => [finding.Compliance.Status, finding.RecordState, finding.UpdatedAt])).toEqual([
      ["FAILED", "ACTIVE", "2026-01-05T11:00:00.000Z"],
      ["PASSED", "ARCHIVED", "2026-01-05T13:00:00.000Z"],
    ]);
    expect(await w.store.pendingAlerts(LAB.arn)).toEqual([]);
  });

  it("a failed import stays in the outbox, is thrown for the input's retry, and is sent by the next judgement without publishing its alert again", async () => {
    const { w, importer, deps } = setUp();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    importer.failures.push(new Error("Security Hub unavailable"));
    await expect(evaluateLive(deps, LAB, { trigger: "sweep" })).rejects.toThrow("Security Hub unavailable");
    const alerts = w.publisher.alerts.length;
    expect(alerts).toBeGreaterThan(0);
    const [kept] = await w.store.pendingAlerts(LAB.arn);
    expect(kept?.alerts).toEqual([]);
    expect(stagedIds(kept)).toContain(ID);

    w.clock.now = new Date("2026-01-05T10:30:00Z");
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    expect(importer.byId(ID).map((finding) => finding.Compliance.Status)).toEqual(["FAILED"]);
    expect(w.publisher.alerts).toHaveLength(alerts);
    expect(await w.store.pendingAlerts(LAB.arn)).toEqual([]);
  });

  it("an outbox export that fails again does not hold up the judgement: its alerts go out, then the failure is thrown", async () => {
    const { w, importer, deps } = setUp();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    importer.failures.push(new Error("down"));
    await expect(evaluateLive(deps, LAB, { trigger: "sweep" })).rejects.toThrow("down");
    importer.failures.push(new Error("still down"));
    w.clock.now = new Date("2026-01-05T10:30:00Z");
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await expect(evaluateLive(deps, LAB, { trigger: "sweep" })).rejects.toThrow("still down");
    expect(w.publisher.alerts.at(-1)?.attributes.transition).toBe("RESOLVED");
    // Both exports are left, in order: the first (FAILED) and the one of this judgement (PASSED) was sent.
    expect(importer.byId(ID).map((finding) => finding.Compliance.Status)).toEqual(["PASSED"]);
    const pending = await w.store.pendingAlerts(LAB.arn);
    expect(pending.flatMap((entry) => (entry.staged?.securityHub ?? []) as StoredRuleState[]).filter((record) => record.ruleId === "endpoint-public-access").map((record) => record.status)).toEqual(["FAIL"]);
  });

  it("only the findings Security Hub refused are kept to send again", async () => {
    const { w, importer, deps } = setUp();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const original = importer.importFindings.bind(importer);
    importer.importFindings = async (region, findings) => {
      const refused = findings.filter((finding) => finding.Id === ID);
      await original(region, findings.filter((finding) => finding.Id !== ID));
      throw new FindingsNotImported(region, refused.map((finding) => ({ id: finding.Id, code: "InvalidInput", message: "bad" })), refused);
    };
    await expect(evaluateLive(deps, LAB, { trigger: "sweep" })).rejects.toThrow(/did not import 1 finding\(s\): .*endpoint-public-access \(InvalidInput: bad\)/);
    const [kept] = await w.store.pendingAlerts(LAB.arn);
    expect(stagedIds(kept)).toEqual([ID]);
  });
});

describe("the account findings are imported for", () => {
  it("is read once, when the first finding is sent (STS in Lambda), and asked again after a failure", async () => {
    const w = world();
    const importer = new RecordingImporter();
    let asked = 0;
    const account = async () => {
      asked += 1;
      if (asked === 1) throw new Error("STS unavailable");
      return "999988887777";
    };
    const deps = { ...w, deliverers: [new SecurityHubExport(importer, { ...SETTINGS, account })] };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await expect(evaluateLive(deps, LAB, { trigger: "sweep" })).rejects.toThrow("STS unavailable");
    w.clock.now = new Date("2026-01-05T10:30:00Z");
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    expect(asked).toBe(2);
    expect(importer.byId(ID).map((finding) => [finding.AwsAccountId, finding.ProductArn, finding.Compliance.Status])).toEqual([
      ["999988887777", "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default", "FAILED"],
      ["999988887777", "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default", "PASSED"],
    ]);
  });
});

describe("a rule that cannot decide", () => {
  it("is exported as WARNING (ACTIVE, at the rule's severity), never PASSED, also after it passed; PASSED again once it decides", async () => {
    const w = world();
    const importer = new RecordingImporter();
    let broken = false;
    const base = ruleById("endpoint-private-access")!;
    const flaky: Rule = {
      ...base,
      evaluate(snapshot, policy, context) {
        if (broken) throw new Error("data unreadable");
        return base.evaluate(snapshot, policy, context);
      },
    };
    const rules = [flaky];
    const deps = { ...w, rules, deliverers: [new SecurityHubExport(importer, SETTINGS, rules)] };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    broken = true;
    w.clock.now = new Date("2026-01-05T11:00:00Z");
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    broken = false;
    w.clock.now = new Date("2026-01-05T12:00:00Z");
    await evaluateLive(deps, LAB, { trigger: "sweep" });
    const id = `${LAB.arn}/endpoint-private-access`;
    expect(importer.byId(id).map((finding) => [finding.Compliance.Status, finding.RecordState, finding.Severity.Label])).toEqual([
      ["WARNING", "ACTIVE", base.severity],
      ["PASSED", "ARCHIVED", "INFORMATIONAL"],
    ]);
  });
});

describe("the Security Hub export deferred to a batch (the sweep's StagedBatch)", () => {
  const WEB = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/web", account: "111122223333", region: "eu-west-1", name: "web" };
  const WEB_ID = `${WEB.arn}/endpoint-public-access`;

  it("an invocation that dies before the flush leaves the entry pending with its export (alerts out); the next event sends it at once", async () => {
    const { w, importer, deps } = setUp();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await evaluateLive({ ...deps, deferStaged: new StagedBatch(deps) }, LAB, { trigger: "sweep" });
    expect(importer.calls).toEqual([]);
    const alerts = w.publisher.alerts.length;
    expect(alerts).toBeGreaterThan(0);
    const [kept] = await w.store.pendingAlerts(LAB.arn);
    expect(kept?.alerts).toEqual([]);
    expect(stagedIds(kept)).toContain(ID);

    w.clock.now = new Date("2026-01-05T10:30:00Z");
    await evaluateLive(deps, LAB, { trigger: "event", eventId: "e-next" });
    expect(importer.byId(ID).map((finding) => finding.Compliance.Status)).toEqual(["FAILED"]);
    expect(w.publisher.alerts).toHaveLength(alerts);
    expect(await w.store.pendingAlerts(LAB.arn)).toEqual([]);
  });

  it("sends two clusters' findings in one call, clears the sent entry and keeps only the refused finding's record", async () => {
    const { w, importer, deps } = setUp();
    const rules = [ruleById("endpoint-public-access")!];
    const exporter = new SecurityHubExport(importer, SETTINGS, rules);
    const batchDeps = { ...deps, rules, deliverers: [exporter] };
    const batch = new StagedBatch(batchDeps);
    let calls = 0;
    const original = importer.importFindings.bind(importer);
    importer.importFindings = async (region, findings) => {
      calls += 1;
      const refused = findings.filter((finding) => finding.Id === WEB_ID);
      await original(region, findings.filter((finding) => finding.Id !== WEB_ID));
      throw new FindingsNotImported(region, refused.map((finding) => ({ id: finding.Id, code: "InvalidInput", message: "bad" })), refused);
    };
    for (const cluster of [LAB, WEB]) {
      w.eks.clusters.set(cluster.arn, clusterRecord(cluster, OPEN));
      await evaluateLive({ ...batchDeps, deferStaged: batch }, cluster, { trigger: "sweep" });
    }
    expect(calls).toBe(0);
    expect(await batch.flush()).toMatchObject({ sent: 1, leftPending: 1 });
    expect(calls).toBe(1);
    expect(importer.byId(ID)).toHaveLength(1);
    expect(await w.store.pendingAlerts(LAB.arn)).toEqual([]);
    const [kept] = await w.store.pendingAlerts(WEB.arn);
    expect(stagedIds(kept)).toEqual([WEB_ID]);
    expect(batch.totals).toMatchObject({ sent: 1, leftPending: 1 });
  });
});

describe("a batch whose export cannot even start", () => {
  it("keeps every entry pending and says so, without throwing (the account could not be read)", async () => {
    const w = world();
    const importer = new RecordingImporter();
    const exporter = new SecurityHubExport(importer, { ...SETTINGS, account: async () => Promise.reject(new Error("STS unavailable")) });
    const deps = { ...w, deliverers: [exporter] };
    const batch = new StagedBatch(deps);
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await evaluateLive({ ...deps, deferStaged: batch }, LAB, { trigger: "sweep" });
    const flushed = await batch.flush();
    expect(flushed).toMatchObject({ sent: 0, leftPending: 1 });
    expect(String(flushed.failure)).toContain("STS unavailable");
    expect(importer.calls).toEqual([]);
    expect(stagedIds((await w.store.pendingAlerts(LAB.arn))[0])).toContain(ID);
  });
});
