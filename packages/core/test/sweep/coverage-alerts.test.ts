// The coverage alert is a transition (issue 25, item 13): a member account whose role cannot be assumed is announced
// once when it is lost and once when it is regained, never again by a later sweep or by the digest's own sweep while
// the state holds; the digest's report still lists the gap. The coverage state lives in the real state table
// (DynamoStateStore against DynamoDB Local); the rest of the world is the pipeline's in-memory fakes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { STATE_TABLE_KEY_SCHEMA } from "../../src/deployment/constants.ts";
import { runDigest, type DigestDeps } from "../../src/digest/digest.ts";
import { AccountUnreachable } from "../../src/errors.ts";
import type { ClusterIdentity } from "../../src/model.ts";
import { runSweep } from "../../src/sweep/sweep.ts";
import { ensureLocalAws, stopLocalAws } from "../aws/local-aws.ts";
import { world } from "../pipeline/fakes.ts";

const OWN = "111122223333";
const MEMBER = "444444444444";
const REGIONS = ["eu-west-1", "us-east-1"];

let client: DynamoDBClient;
beforeAll(async () => {
  await ensureLocalAws();
  client = new DynamoDBClient({});
});
afterAll(async () => {
  client?.destroy();
  await stopLocalAws();
});

async function freshStore(): Promise<DynamoStateStore> {
  const table = `coverage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await client.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
  return new DynamoStateStore({ tableName: table, client });
}

/** The monitor's world with the member account readable or not, the coverage kept in the real table. */
async function coverageWorld() {
  const base = world(new Date("2026-12-07T06:00:00Z"));
  const store = await freshStore();
  const member = { readable: true };
  const deps: DigestDeps = {
    ...base,
    inventory: {
      async clusters(_region: string, account?: string): Promise<ClusterIdentity[]> {
        if (account === MEMBER && !member.readable) throw new AccountUnreachable(MEMBER, `arn:aws:iam::${MEMBER}:role/eks-warden-member-read`, "AccessDenied");
        return [];
      },
      account: async () => OWN,
    },
    stateIndex: store,
    coverage: store,
    snapshots: store,
  };
  const coverageAlerts = () => base.publisher.published.filter(({ message }) => message.attributes.kind === "coverage").map(({ message }) => message.subject);
  const day = (date: string) => {
    base.clock.now = new Date(`${date}T06:00:00Z`);
  };
  return { deps, base, store, member, coverageAlerts, day };
}

describe("the coverage alert", () => {
  it("is sent when an account is lost and when it is regained, never again for an unchanged state (sweeps and the digest)", async () => {
    const { deps, member, coverageAlerts, day, store } = await coverageWorld();
    const options = { regions: REGIONS, accounts: [MEMBER] };
    // Readable at first: a first sighting is no news.
    await runSweep(deps, options);
    expect(coverageAlerts()).toEqual([]);

    member.readable = false;
    day("2026-12-08");
    const lost = await runSweep(deps, options);
    expect(coverageAlerts()).toEqual([`[HIGH] account ${MEMBER}: EKS Warden cannot read it (role not assumable)`]);
    expect(lost.alertsPublished).toBe(1);
    expect((await store.readCoverage()).map((record) => [record.region, record.state, record.since]).sort()).toEqual([
      ["eu-west-1", "lost", "2026-12-08T06:00:00.000Z"],
      ["us-east-1", "lost", "2026-12-08T06:00:00.000Z"],
    ]);

    // The next day's sweep and the weekly digest's sweep: the state is known, nothing is repeated.
    day("2026-12-09");
    await runSweep(deps, options);
    day("2026-12-14");
    const digest = await runDigest(deps, options);
    expect(coverageAlerts()).toHaveLength(1);
    // The digest still lists the gap.
    expect(digest.report.couldNotRead.accounts.map((account) => account.account)).toEqual([MEMBER]);
    expect(digest.rendered.text).toContain(`account ${MEMBER} (every region)`);

    member.readable = true;
    day("2026-12-15");
    const regained = await runSweep(deps, options);
    expect(coverageAlerts()).toEqual([`[HIGH] account ${MEMBER}: EKS Warden cannot read it (role not assumable)`, `[RESOLVED] account ${MEMBER}: EKS Warden can read it again`]);
    expect(regained.alertsPublished).toBe(1);
    day("2026-12-16");
    await runSweep(deps, options);
    expect(coverageAlerts()).toHaveLength(2);
  });

  it("is sent by the next run when its publication failed, and once when two runs see the loss at the same time", async () => {
    const { deps, base, member, coverageAlerts } = await coverageWorld();
    const options = { regions: REGIONS, accounts: [MEMBER] };
    member.readable = false;
    base.publisher.failNext = 1;
    await runSweep(deps, options);
    expect(coverageAlerts()).toEqual([]);
    expect(base.logger.lines.map((line) => line.message)).toContain("the unreadable account's alert could not be published");
    await runSweep(deps, options);
    expect(coverageAlerts()).toHaveLength(1);

    const other = await coverageWorld();
    other.member.readable = false;
    await Promise.all([runSweep(other.deps, options), runSweep(other.deps, options)]);
    expect(other.coverageAlerts()).toHaveLength(1);
  });
});
