// The sweep on in-memory ports: the same transitions as real time, alerts "found by the scheduled sweep", gone
// clusters closed only in regions that were listed, unreadable clusters ERROR and the run going on.
import { describe, expect, it } from "vitest";
import { AccessDenied, AccountUnreachable, EksUnavailable, Throttled } from "../../src/errors.ts";
import type { ClusterIdentity } from "../../src/model.ts";
import { inPool, listFleet, runSweep, type InventoryPort, type StateIndex, type SweepDeps } from "../../src/sweep/sweep.ts";
import { clusterRecord, MemoryCoverage, OPEN, PRIVATE, world, type World } from "../pipeline/fakes.ts";

const ACCOUNT = "111122223333";
const ref = (region: string, name: string, account = ACCOUNT): ClusterIdentity => ({ arn: `arn:aws:eks:${region}:${account}:cluster/${name}`, account, region, name });

class FakeInventory implements InventoryPort {
  readonly byRegion = new Map<string, ClusterIdentity[]>();
  readonly failing = new Map<string, Error>();
  /** Member accounts: "<account> <region>" -> its clusters; accounts whose role cannot be assumed. */
  readonly byMember = new Map<string, ClusterIdentity[]>();
  readonly unreachable = new Set<string>();
  readonly listings: string[] = [];
  async clusters(region: string, member?: string): Promise<ClusterIdentity[]> {
    this.listings.push(`${member ?? "own"} ${region}`);
    if (member !== undefined) {
      if (this.unreachable.has(member)) throw new AccountUnreachable(member, `arn:aws:iam::${member}:role/eks-warden-member-read`, "AccessDenied");
      return this.byMember.get(`${member} ${region}`) ?? [];
    }
    const failure = this.failing.get(region);
    if (failure) throw failure;
    return this.byRegion.get(region) ?? [];
  }
  async account(): Promise<string> {
    return ACCOUNT;
  }
}

type SweepWorld = World & SweepDeps & { inventory: FakeInventory; waits: number[]; coverage: MemoryCoverage };

function sweepWorld(): SweepWorld {
  const base = world(new Date("2026-01-05T06:00:00Z"));
  const stateIndex: StateIndex = {
    async openClusters() {
      return [...base.store.records.entries()]
        .map(([arn, records]) => ({ arn, open: [...records.values()].filter((record) => !record.closed) }))
        .filter((entry) => entry.open.length > 0)
        .map((entry) => ({ arn: entry.arn, observedAt: entry.open.map((record) => record.observedAt).sort().at(-1)! }));
    },
  };
  const waits: number[] = [];
  return Object.assign(base, { inventory: new FakeInventory(), stateIndex, coverage: new MemoryCoverage(), waits, sleep: async (ms: number) => void waits.push(ms) });
}

function addCluster(w: SweepWorld, cluster: ClusterIdentity, vpc = PRIVATE): void {
  w.inventory.byRegion.set(cluster.region, [...(w.inventory.byRegion.get(cluster.region) ?? []), cluster]);
  w.eks.clusters.set(cluster.arn, clusterRecord(cluster, vpc));
}

describe("runSweep", () => {
  it("evaluates every cluster of every region and alerts a missed change once, as found by the sweep", async () => {
    const w = sweepWorld();
    addCluster(w, ref("eu-west-1", "payments"));
    addCluster(w, ref("us-east-1", "web"), OPEN);
    const first = await runSweep(w, { regions: ["eu-west-1", "us-east-1"] });
    expect(first.regions).toEqual([{ region: "eu-west-1", clusters: 1 }, { region: "us-east-1", clusters: 1 }]);
    expect(first.clusters.map((cluster) => [cluster.ref.name, cluster.status])).toEqual([["payments", "evaluated"], ["web", "evaluated"]]);
    expect(first.clusters[0]!.snapshot).toMatchObject({ version: "1.35", nodegroups: 0, addons: 0 });
    const opened = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(opened.map((alert) => alert.attributes.cluster)).toEqual(["web"]);
    expect(opened[0]!.text).toContain("found by the scheduled sweep");
    expect(first.alertsPublished).toBe(w.publisher.alerts.length);

    // The lost event: payments opened with no event; the next sweep catches it, once.
    w.eks.clusters.set(ref("eu-west-1", "payments").arn, clusterRecord(ref("eu-west-1", "payments"), OPEN));
    w.publisher.alerts.length = 0;
    await runSweep(w, { regions: ["eu-west-1", "us-east-1"] });
    expect(w.publisher.alerts.map((alert) => [alert.attributes.cluster, alert.attributes.ruleId, alert.attributes.transition])).toEqual([["payments", "endpoint-public-access", "OPENED"]]);
    w.publisher.alerts.length = 0;
    await runSweep(w, { regions: ["eu-west-1", "us-east-1"] });
    expect(w.publisher.alerts).toEqual([]);
  });

  it("closes the state of clusters no longer listed, never those of a region it could not list or another account", async () => {
    const w = sweepWorld();
    const gone = ref("eu-west-1", "gone");
    const unlisted = ref("us-east-1", "behind-a-failing-region");
    const foreign = ref("eu-west-1", "other-account", "444455556666");
    const outside = ref("ap-south-1", "not-swept");
    for (const cluster of [gone, unlisted, foreign, outside]) addCluster(w, cluster);
    await runSweep(w, { regions: ["eu-west-1", "us-east-1", "ap-south-1"] });
    w.inventory.byRegion.set("eu-west-1", []);
    w.inventory.byRegion.set("us-east-1", []);
    w.inventory.failing.set("us-east-1", new Throttled("EKS", "ListClusters"));
    w.clock.now = new Date("2026-01-06T06:00:00Z");
    const result = await runSweep(w, { regions: ["eu-west-1", "us-east-1"] });
    expect(result.regions).toEqual([{ region: "eu-west-1", clusters: 0 }, { region: "us-east-1", clusters: 0, problem: expect.stringMatching(/Throttled/) }]);
    expect(result.closed.map((cluster) => cluster.name)).toEqual(["gone"]);
    expect((await w.store.readState(gone.arn)).every((record) => record.closed)).toBe(true);
    for (const kept of [unlisted, foreign, outside]) expect((await w.store.readState(kept.arn)).some((record) => record.closed)).toBe(false);
  });

  it("does not close a cluster read after the listing began (created meanwhile and evaluated in real time)", async () => {
    const w = sweepWorld();
    const fresh = ref("eu-west-1", "fresh");
    addCluster(w, fresh);
    await runSweep(w, { regions: ["eu-west-1"] });
    w.inventory.byRegion.set("eu-west-1", []);
    // Same clock: its records were observed at (not before) the listing.
    const result = await runSweep(w, { regions: ["eu-west-1"] });
    expect(result.closed).toEqual([]);
  });

  it("backs off on throttling, then reads the cluster", async () => {
    const w = sweepWorld();
    addCluster(w, ref("eu-west-1", "busy"));
    w.eks.failures.push(new Throttled("EKS", "DescribeCluster"), new Throttled("EKS", "DescribeCluster"));
    const result = await runSweep(w, { regions: ["eu-west-1"], backoffMs: 100 });
    expect(result.clusters[0]!.status).toBe("evaluated");
    expect(w.waits).toEqual([100, 200]);
  });

  it("gives a cluster it cannot read ERROR findings (ERRORED once, told in one alert for the cluster) and goes on with the others", async () => {
    const w = sweepWorld();
    addCluster(w, ref("eu-west-1", "a-denied"));
    addCluster(w, ref("eu-west-1", "b-fine"));
    w.eks.failures.push(new AccessDenied("eks:DescribeCluster"));
    const result = await runSweep(w, { regions: ["eu-west-1"], concurrency: 1 });
    expect(result.clusters.map((cluster) => [cluster.ref.name, cluster.status])).toEqual([["a-denied", "unreadable"], ["b-fine", "evaluated"]]);
    const denied = result.clusters[0]!;
    expect(denied.problem).toMatch(/AccessDenied/);
    expect(denied.findings.every((finding) => finding.status === "ERROR")).toBe(true);
    expect(w.waits).toEqual([]); // not throttling: no retry
    // One alert for the cluster, not one per rule (a throttled read would otherwise be 15 alerts): the most severe
    // rule's ERRORED, naming every other rule left unjudged; each rule's ERRORED is stored and in the history.
    const errored = w.publisher.alerts.filter((alert) => alert.attributes.cluster === "a-denied");
    expect(errored.map((alert) => [alert.attributes.transition, alert.attributes.severity])).toEqual([["ERRORED", "CRITICAL"]]);
    expect(errored[0]!.subject).toBe(`[CRITICAL] a-denied (eu-west-1): cannot evaluate ${denied.findings.length} rules: the cluster could not be read`);
    const others = denied.findings.map((finding) => finding.ruleId).filter((ruleId) => ruleId !== errored[0]!.attributes.ruleId);
    expect(others).toHaveLength(denied.findings.length - 1);
    expect([...(JSON.parse(JSON.parse(errored[0]!.message).sqs) as { sameProblem: string[] }).sameProblem].sort()).toEqual([...others].sort());
    expect(errored[0]!.text).toContain(`The cluster could not be read, so ${others.length} other rules are not evaluated either`);
    expect((await w.store.readState(denied.ref.arn)).every((record) => record.status === "ERROR")).toBe(true);
    const stored = w.store.history.filter((entry) => entry.clusterArn === denied.ref.arn).flatMap((entry) => entry.transitions ?? []).filter((transition) => transition.kind === "ERRORED");
    expect(stored).toHaveLength(denied.findings.length);
    expect(stored.filter((transition) => transition.notified).map((transition) => transition.ruleId)).toEqual([errored[0]!.attributes.ruleId]);

    // Still unreadable the next day: counted, not announced again.
    w.publisher.alerts.length = 0;
    w.eks.failures.push(new Throttled("EKS", "DescribeCluster"), new Throttled("EKS", "DescribeCluster"), new Throttled("EKS", "DescribeCluster"));
    const again = await runSweep(w, { regions: ["eu-west-1"], concurrency: 1, attempts: 3 });
    expect(again.clusters[0]!.status).toBe("unreadable");
    expect(w.publisher.alerts).toEqual([]);
  });

  it("goes on when the ERROR findings or a close cannot be stored either", async () => {
    const w = sweepWorld();
    const broken = ref("eu-west-1", "broken");
    addCluster(w, broken);
    const gone = ref("eu-west-1", "gone");
    addCluster(w, gone);
    await runSweep(w, { regions: ["eu-west-1"] });
    w.inventory.byRegion.set("eu-west-1", [broken]);
    w.clock.now = new Date("2026-01-06T06:00:00Z");
    w.eks.failures.push(new EksUnavailable("DescribeCluster"));
    const commit = w.store.commit.bind(w.store);
    w.store.commit = async () => {
      throw new EksUnavailable("TransactWriteItems");
    };
    const result = await runSweep(w, { regions: ["eu-west-1"], attempts: 1 });
    w.store.commit = commit;
    expect(result.clusters[0]!.status).toBe("unreadable");
    expect(result.closed).toEqual([]);
    expect(w.logger.lines.filter((line) => line.level === "error").map((line) => line.message)).toEqual([
      "cluster could not be read: recording ERROR findings and going on",
      "ERROR findings could not be stored either",
      "state of a deleted cluster could not be closed",
    ]);
  });

  it("reports a cluster deleted between the listing and the read as not found, and closes it", async () => {
    const w = sweepWorld();
    const vanishing = ref("eu-west-1", "vanishing");
    addCluster(w, vanishing);
    await runSweep(w, { regions: ["eu-west-1"] });
    w.eks.clusters.delete(vanishing.arn);
    const result = await runSweep(w, { regions: ["eu-west-1"] });
    expect(result.clusters[0]!.status).toBe("cluster-not-found");
    expect((await w.store.readState(vanishing.arn)).every((record) => record.closed)).toBe(true);
  });
});

describe("runSweep across member accounts", () => {
  const MEMBER = "222222222222";
  const MISSING = "444444444444";
  const addMemberCluster = (w: SweepWorld, cluster: ClusterIdentity, vpc = PRIVATE): void => {
    const key = `${cluster.account} ${cluster.region}`;
    w.inventory.byMember.set(key, [...(w.inventory.byMember.get(key) ?? []), cluster]);
    w.eks.clusters.set(cluster.arn, clusterRecord(cluster, vpc));
  };

  it("reads every member account in every region besides its own, and alerts what it finds there", async () => {
    const w = sweepWorld();
    addCluster(w, ref("eu-west-1", "own"));
    addMemberCluster(w, ref("ap-southeast-2", "member-ap", MEMBER), OPEN);
    const result = await runSweep(w, { regions: ["eu-west-1", "ap-southeast-2"], accounts: [MEMBER] });
    expect(w.inventory.listings).toEqual(["own eu-west-1", "own ap-southeast-2", `${MEMBER} eu-west-1`, `${MEMBER} ap-southeast-2`]);
    expect(result.regions).toEqual([
      { region: "eu-west-1", clusters: 1 },
      { region: "ap-southeast-2", clusters: 0 },
      { region: "eu-west-1", account: MEMBER, clusters: 0 },
      { region: "ap-southeast-2", account: MEMBER, clusters: 1 },
    ]);
    expect(result.clusters.map((cluster) => cluster.ref.arn)).toEqual([ref("eu-west-1", "own").arn, ref("ap-southeast-2", "member-ap", MEMBER).arn]);
    const opened = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(opened.map((alert) => [alert.attributes.account, alert.attributes.region, alert.attributes.cluster])).toEqual([[MEMBER, "ap-southeast-2", "member-ap"]]);
    expect(result.unreachableAccounts).toEqual([]);
  });

  it("reports a member whose role cannot be assumed (once per run, with an alert), never as an account without clusters, and closes nothing of it", async () => {
    const w = sweepWorld();
    const stored = ref("eu-west-1", "was-there", MISSING);
    addMemberCluster(w, stored, OPEN);
    await runSweep(w, { regions: ["eu-west-1", "us-east-1"], accounts: [MISSING] });
    expect((await w.store.readState(stored.arn)).length).toBeGreaterThan(0);

    w.inventory.unreachable.add(MISSING);
    w.inventory.listings.length = 0;
    w.publisher.alerts.length = 0;
    w.clock.now = new Date("2026-01-06T06:00:00Z");
    const result = await runSweep(w, { regions: ["eu-west-1", "us-east-1"], accounts: [MISSING] });
    // One refusal stands for every region of the account: asked once.
    expect(w.inventory.listings).toEqual(["own eu-west-1", "own us-east-1", `${MISSING} eu-west-1`]);
    expect(result.regions.filter((region) => region.account === MISSING)).toEqual([
      { region: "eu-west-1", account: MISSING, clusters: 0, problem: expect.stringMatching(/^AccountUnreachable: account 444444444444 could not be read/) },
      { region: "us-east-1", account: MISSING, clusters: 0, problem: expect.stringMatching(/^AccountUnreachable/) },
    ]);
    expect(result.unreachableAccounts).toEqual([{ account: MISSING, roleArn: `arn:aws:iam::${MISSING}:role/eks-warden-member-read`, problem: expect.stringMatching(/AccessDenied/) }]);
    expect(result.closed).toEqual([]);
    expect((await w.store.readState(stored.arn)).some((record) => record.closed)).toBe(false);
    expect(w.publisher.alerts.map((alert) => [alert.subject, alert.attributes.kind, alert.attributes.account, alert.attributes.severity])).toEqual([
      [`[HIGH] account ${MISSING}: EKS Warden cannot read it (role not assumable)`, "coverage", MISSING, "HIGH"],
    ]);
    const text = JSON.parse(w.publisher.alerts[0]!.message).default as string;
    expect(text).toContain(`EKS Warden could not read account ${MISSING}: no cluster of it was evaluated, in any region.`);
    expect(text).toContain("Regions:      eu-west-1, us-east-1");
    expect(text).toContain(`aws sts assume-role --role-arn arn:aws:iam::${MISSING}:role/eks-warden-member-read`);
    expect(result.alertsPublished).toBe(1);
  });

  it("goes on when the unreadable account's alert cannot be published", async () => {
    const w = sweepWorld();
    w.inventory.unreachable.add(MISSING);
    w.publisher.failNext = 1;
    const result = await runSweep(w, { regions: ["eu-west-1"], accounts: [MISSING] });
    expect(result.alertsPublished).toBe(0);
    expect(result.unreachableAccounts.map((account) => account.account)).toEqual([MISSING]);
    expect(w.logger.lines.map((line) => line.message)).toContain("the unreadable account's alert could not be published");
  });

  it("alerts an account with no role to name as '(none configured)', and never takes the own account for a member", async () => {
    const w = sweepWorld();
    const inventory = w.inventory;
    const original = inventory.clusters.bind(inventory);
    inventory.clusters = async (region, member) => {
      if (member === MISSING) throw new AccountUnreachable(MISSING, undefined, "no role");
      if (member === undefined && region === "us-east-1") throw new AccountUnreachable(ACCOUNT, undefined, "not a member");
      return original(region, member);
    };
    const result = await runSweep(w, { regions: ["eu-west-1", "us-east-1"], accounts: [MISSING] });
    expect(result.unreachableAccounts).toEqual([{ account: MISSING, problem: expect.stringMatching(/no role is configured/) }]);
    expect(result.regions.find((region) => region.account === undefined && region.region === "us-east-1")).toMatchObject({ problem: expect.stringMatching(/AccountUnreachable/) });
    expect(JSON.parse(w.publisher.alerts[0]!.message).default).toContain("Role:         (none configured)");
    expect(JSON.parse(JSON.parse(w.publisher.alerts[0]!.message).sqs)).not.toHaveProperty("roleArn");
  });

  it("keeps a member region that could not be listed (not a role problem) apart from its other regions", async () => {
    const w = sweepWorld();
    const inventory = w.inventory;
    const original = inventory.clusters.bind(inventory);
    inventory.clusters = async (region, member) => {
      if (member === MEMBER && region === "us-east-1") throw new Throttled("EKS", "ListClusters");
      return original(region, member);
    };
    addMemberCluster(w, ref("eu-west-1", "member-eu", MEMBER));
    const result = await runSweep(w, { regions: ["eu-west-1", "us-east-1"], accounts: [MEMBER] });
    expect(result.regions.filter((region) => region.account === MEMBER)).toEqual([
      { region: "eu-west-1", account: MEMBER, clusters: 1 },
      { region: "us-east-1", account: MEMBER, clusters: 0, problem: expect.stringMatching(/Throttled/) },
    ]);
    expect(result.unreachableAccounts).toEqual([]);
  });
});

describe("listFleet", () => {
  const MISSING = "444444444444";
  it("names the caller's own account, tells each account x region as listed, and words problems as the caller asks", async () => {
    const w = sweepWorld();
    addCluster(w, ref("eu-west-1", "own"));
    w.inventory.unreachable.add(MISSING);
    const told: string[] = [];
    const listing = await listFleet(w.inventory, {
      regions: ["eu-west-1", "us-east-1"],
      accounts: [MISSING],
      describeProblem: (error) => `problem: ${(error as Error).message}`,
      onRegion: (outcome, error) => told.push(`${outcome.account ?? "own"} ${outcome.region} ${error === undefined ? "-" : "failed"}`),
    });
    expect(listing.ownAccount).toBe(ACCOUNT);
    expect(listing.clusters.map((cluster) => cluster.name)).toEqual(["own"]);
    // The account is asked once; its second region is told without an error of its own.
    expect(told).toEqual(["own eu-west-1 -", "own us-east-1 -", `${MISSING} eu-west-1 failed`, `${MISSING} us-east-1 -`]);
    expect(listing.unreachableAccounts).toEqual([{ account: MISSING, roleArn: `arn:aws:iam::${MISSING}:role/eks-warden-member-read`, problem: expect.stringMatching(/^problem: account 444444444444 could not be read/) }]);
  });

  it("lets a describeProblem that rethrows (the CLI, for what is not an AWS failure) end the listing", async () => {
    const w = sweepWorld();
    w.inventory.failing.set("eu-west-1", new TypeError("a bug"));
    await expect(listFleet(w.inventory, { regions: ["eu-west-1"], describeProblem: (error) => { throw error; } })).rejects.toThrow("a bug");
  });
});

describe("inPool", () => {
  it("runs at most `size` at once, every item once, and copes with no items", async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await inPool([1, 2, 3, 4, 5], 2, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(item);
      running -= 1;
    });
    expect(peak).toBe(2);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
    await inPool([], 4, async () => {
      throw new Error("never");
    });
  });
});
