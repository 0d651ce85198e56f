// The sweep's Security Hub export, batched across clusters, on the real state table (DynamoDB Local): each judgement
// writes its export into its outbox entry with the state, the sweep imports them 100 findings a call at its end, and
// clears each entry; a failed import leaves the entries pending, and the next run sends them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { STATE_TABLE_KEY_SCHEMA } from "../../src/deployment/constants.ts";
import type { ClusterIdentity } from "../../src/model.ts";
import { ruleById } from "../../src/rules/index.ts";
import { SecurityHubExport, type FindingsImporter } from "../../src/securityhub/export.ts";
import type { AsffFinding } from "../../src/securityhub/finding.ts";
import { runSweep, type InventoryPort, type SweepDeps } from "../../src/sweep/sweep.ts";
import type { StoredRuleState } from "../../src/state/transitions.ts";
import { ensureLocalAws, stopLocalAws } from "../aws/local-aws.ts";
import { clusterRecord, OPEN, world } from "../pipeline/fakes.ts";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const RULES = [ruleById("endpoint-public-access")!];
const SETTINGS = { account: ACCOUNT, home: REGION, regions: [] };
let client: DynamoDBClient;

class CountingImporter implements FindingsImporter {
  readonly calls: { region: string; ids: string[] }[] = [];
  down = false;
  attempts = 0;
  async importFindings(region: string, findings: readonly AsffFinding[]): Promise<void> {
    this.attempts += 1;
    if (this.down) throw new Error("Security Hub unavailable");
    this.calls.push({ region, ids: findings.map((finding) => finding.Id) });
  }
  ids(): string[] {
    return this.calls.flatMap((call) => call.ids);
  }
}

/** n clusters with a public endpoint in one region, a fresh state table each, a sweep's dependencies. */
async function fleetOf(n: number) {
  const table = `sweep-batch-${process.pid}-${Date.now()}-${n}`;
  await client.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
  const store = new DynamoStateStore({ tableName: table, client, historyTtlDays: 30 });
  const w = world(new Date(Math.floor(Date.now() / 60_000) * 60_000));
  const clusters: ClusterIdentity[] = Array.from({ length: n }, (_, index) => {
    const name = `c${String(index).padStart(4, "0")}`;
    return { arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`, account: ACCOUNT, region: REGION, name };
  });
  for (const cluster of clusters) w.eks.clusters.set(cluster.arn, clusterRecord(cluster, OPEN));
  const inventory: InventoryPort = {
    clusters: async (region) => (region === REGION ? clusters : []),
    account: async () => ACCOUNT,
  };
  const importer = new CountingImporter();
  const deps: SweepDeps = { ...w, store, stateIndex: store, coverage: store, inventory, rules: RULES, deliverers: [new SecurityHubExport(importer, SETTINGS, RULES)], sleep: async () => {} };
  const staged = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (const cluster of clusters) {
      for (const entry of await store.pendingAlerts(cluster.arn)) ids.push(...((entry.staged?.securityHub ?? []) as StoredRuleState[]).map((record) => `${record.clusterArn}/${record.ruleId}`));
    }
    return ids;
  };
  const pendingEntries = async (): Promise<number> => (await Promise.all(clusters.map((cluster) => store.pendingAlerts(cluster.arn)))).flat().length;
  return { w, deps, importer, clusters, staged, pendingEntries, expected: clusters.map((cluster) => `${cluster.arn}/endpoint-public-access`) };
}

beforeAll(async () => {
  await ensureLocalAws();
  client = new DynamoDBClient({});
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await stopLocalAws();
});

describe("the sweep's Security Hub export", () => {
  it("imports one changed finding on each of 250 clusters in ceil(250/100) = 3 calls, and clears every staged entry", async () => {
    const { w, deps, importer, staged, pendingEntries, expected } = await fleetOf(250);
    const result = await runSweep(deps, { regions: [REGION] });

    expect(importer.calls).toHaveLength(3);
    expect(importer.calls.every((call) => call.ids.length <= 100)).toBe(true);
    expect(importer.ids().sort()).toEqual([...expected].sort());
    expect(await staged()).toEqual([]);
    expect(await pendingEntries()).toBe(0);
    expect(result.exports).toEqual({ sent: 250, leftPending: 0 });
    // Each cluster's alert went out once, as the sweep found it.
    expect(w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access")).toHaveLength(250);
  }, 120_000);

  it("a failed import leaves every staged entry pending (alerts out, reported); the next run sends them in batches, alerts not again", async () => {
    const { w, deps, importer, staged, expected } = await fleetOf(150);
    importer.down = true;
    const first = await runSweep(deps, { regions: [REGION] });
    expect(importer.attempts).toBe(2);
    expect(importer.calls).toEqual([]);
    expect((await staged()).sort()).toEqual([...expected].sort());
    expect(first.exports).toEqual({ sent: 0, leftPending: 150 });
    expect((w.logger as { lines: { level: string; message: string }[] }).lines.some((line) => line.level === "error" && /batched exports not all sent/.test(line.message))).toBe(true);
    const alerts = w.publisher.alerts.length;
    expect(alerts).toBe(150);

    importer.down = false;
    w.clock.now = new Date(w.clock.now.getTime() + 60_000);
    const second = await runSweep(deps, { regions: [REGION] });
    expect(importer.calls).toHaveLength(2);
    expect(importer.ids().sort()).toEqual([...expected].sort());
    expect(await staged()).toEqual([]);
    expect(second.exports).toEqual({ sent: 150, leftPending: 0 });
    expect(w.publisher.alerts).toHaveLength(alerts);
  }, 120_000);
});
