// The sweep's deferred exports (StagedBatch): whatever a flush could not send stays in the outbox, exactly the items
// that were not sent, so the next judgement of the cluster sends them; nothing sent is sent again, nothing is dropped.
import { describe, expect, it } from "vitest";
import type { ClusterIdentity } from "../../src/model.ts";
import type { PendingAlerts, StagedDeliverer, StagedGroup } from "../../src/pipeline/ports.ts";
import { StagedBatch } from "../../src/pipeline/staged-batch.ts";
import { RecordingLogger } from "./fakes.ts";
import { MemoryStateStore } from "./memory-store.ts";

const cluster = (name: string): ClusterIdentity => ({ arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`, account: "111122223333", region: "eu-west-1", name });
const A = cluster("alpha");
const B = cluster("beta");
const entry = (id: string, staged: Record<string, readonly unknown[]>): PendingAlerts => ({ id, alerts: [], staged });

/** A deliverer that records what it was asked to send and fails the items `refuse` names (saying which, as Security Hub does). */
class Hub implements StagedDeliverer {
  readonly calls: { cluster: string; items: readonly unknown[] }[][] = [];
  constructor(
    readonly name: string,
    private readonly refuse: (item: unknown) => boolean = () => false,
    batched = true,
  ) {
    if (!batched) this.sendMany = undefined;
  }
  stage(): readonly unknown[] {
    return [];
  }
  async send(target: ClusterIdentity, items: readonly unknown[]): Promise<void> {
    this.calls.push([{ cluster: target.name, items }]);
    const unsent = items.filter(this.refuse);
    if (unsent.length > 0) throw Object.assign(new Error(`refused ${unsent.length}`), { unsent });
  }
  sendMany?: (groups: readonly StagedGroup[]) => Promise<{ unsent: readonly (readonly unknown[])[]; failure?: unknown }> = async (groups) => {
    this.calls.push(groups.map((group) => ({ cluster: group.cluster.name, items: group.items })));
    const unsent = groups.map((group) => group.items.filter(this.refuse));
    return { unsent, ...(unsent.some((items) => items.length > 0) ? { failure: new Error("some refused") } : {}) };
  };
}

async function stored(store: MemoryStateStore, ...entries: [ClusterIdentity, PendingAlerts][]): Promise<void> {
  for (const [target, pending] of entries) await store.keepPending(target.arn, pending);
}

describe("StagedBatch: the sweep's exports, sent together", () => {
  it("sends every entry's items in one batched call and clears the entries", async () => {
    const store = new MemoryStateStore();
    const hub = new Hub("securityhub");
    const batch = new StagedBatch({ store, logger: new RecordingLogger(), deliverers: [hub] });
    await stored(store, [A, entry("a1", { securityhub: ["f1", "f2"] })], [B, entry("b1", { securityhub: ["f3"] })]);
    await batch.defer(A, entry("a1", { securityhub: ["f1", "f2"] }));
    await batch.defer(B, entry("b1", { securityhub: ["f3"] }));
    expect(await batch.flush()).toEqual({ sent: 2, leftPending: 0 });
    expect(hub.calls).toEqual([[{ cluster: "alpha", items: ["f1", "f2"] }, { cluster: "beta", items: ["f3"] }]]);
    expect(await store.pendingAlerts(A.arn)).toEqual([]);
    expect(await store.pendingAlerts(B.arn)).toEqual([]);
    expect(await batch.flush()).toEqual({ sent: 0, leftPending: 0 });
  });

  it("keeps only the items that were not sent, in the entry, for the next judgement to send", async () => {
    const store = new MemoryStateStore();
    const logger = new RecordingLogger();
    const batch = new StagedBatch({ store, logger, deliverers: [new Hub("securityhub", (item) => item === "f2")] });
    await stored(store, [A, entry("a1", { securityhub: ["f1", "f2"] })], [B, entry("b1", { securityhub: ["f3"] })]);
    await batch.defer(A, entry("a1", { securityhub: ["f1", "f2"] }));
    await batch.defer(B, entry("b1", { securityhub: ["f3"] }));
    const flushed = await batch.flush();
    expect(flushed).toMatchObject({ sent: 1, leftPending: 1, failure: expect.objectContaining({ message: "some refused" }) });
    expect(await store.pendingAlerts(A.arn)).toEqual([{ id: "a1", alerts: [], staged: { securityhub: ["f2"] } }]);
    expect(await store.pendingAlerts(B.arn)).toEqual([]);
    expect(logger.lines.find((line) => line.level === "error")?.message).toBe("batched exports not all sent: kept in the outbox for a later run");
  });

  it("a deliverer without a batched send is called once per entry; a refusal keeps the items it names", async () => {
    const store = new MemoryStateStore();
    const hub = new Hub("securityhub", (item) => item === "f3", false);
    const batch = new StagedBatch({ store, logger: new RecordingLogger(), deliverers: [hub] });
    await stored(store, [A, entry("a1", { securityhub: ["f1"] })], [B, entry("b1", { securityhub: ["f3", "f4"] })]);
    await batch.defer(A, entry("a1", { securityhub: ["f1"] }));
    await batch.defer(B, entry("b1", { securityhub: ["f3", "f4"] }));
    expect(await batch.flush()).toMatchObject({ sent: 1, leftPending: 1 });
    expect(hub.calls).toEqual([[{ cluster: "alpha", items: ["f1"] }], [{ cluster: "beta", items: ["f3", "f4"] }]]);
    expect(await store.pendingAlerts(B.arn)).toEqual([{ id: "b1", alerts: [], staged: { securityhub: ["f3"] } }]);
  });

  it("a batched send that throws before saying what it sent leaves every entry as stored", async () => {
    const store = new MemoryStateStore();
    const hub = new Hub("securityhub");
    hub.sendMany = async () => {
      throw new Error("account unreadable");
    };
    const batch = new StagedBatch({ store, logger: new RecordingLogger(), deliverers: [hub] });
    await stored(store, [A, entry("a1", { securityhub: ["f1"] })]);
    await batch.defer(A, entry("a1", { securityhub: ["f1"] }));
    expect(await batch.flush()).toMatchObject({ sent: 0, leftPending: 1, failure: expect.objectContaining({ message: "account unreadable" }) });
    expect(await store.pendingAlerts(A.arn)).toEqual([{ id: "a1", alerts: [], staged: { securityhub: ["f1"] } }]);
  });

  it("an export no deliverer of this deployment makes is kept, never dropped", async () => {
    const store = new MemoryStateStore();
    const batch = new StagedBatch({ store, logger: new RecordingLogger(), deliverers: [new Hub("securityhub")] });
    await stored(store, [A, entry("a1", { securityhub: ["f1"], archive: ["r1"] })]);
    await batch.defer(A, entry("a1", { securityhub: ["f1"], archive: ["r1"] }));
    expect(await batch.flush()).toMatchObject({ sent: 0, leftPending: 1, failure: expect.objectContaining({ message: "no staged deliverer named archive" }) });
    // What was sent is not sent again: only the unknown export stays.
    expect(await store.pendingAlerts(A.arn)).toEqual([{ id: "a1", alerts: [], staged: { archive: ["r1"] } }]);
  });

  it("an entry that cannot be cleared after its send is counted as pending and logged with its id", async () => {
    const store = new MemoryStateStore();
    store.clearAlerts = async () => {
      throw new Error("throttled");
    };
    const logger = new RecordingLogger();
    const batch = new StagedBatch({ store, logger, deliverers: [new Hub("securityhub")] });
    await batch.defer(A, entry("a1", { securityhub: ["f1"] }));
    expect(await batch.flush()).toMatchObject({ sent: 0, leftPending: 1, failure: expect.objectContaining({ message: "throttled" }) });
    expect(logger.lines.find((line) => line.message.startsWith("outbox entry could not be updated"))?.extra).toMatchObject({ clusterArn: A.arn, outboxId: "a1" });
  });

  it("flushes by itself at the limit, counts an entry read twice once, and adds up its flushes", async () => {
    const store = new MemoryStateStore();
    const hub = new Hub("securityhub", (item) => item === "bad");
    const batch = new StagedBatch({ store, logger: new RecordingLogger(), deliverers: [hub] }, 3);
    await batch.defer(A, entry("a1", { securityhub: ["f1", "f2"] }));
    // The same entry read again replaces the first: still 2 items, below the limit of 3.
    await batch.defer(A, entry("a1", { securityhub: ["f1", "f2"] }));
    expect(hub.calls).toEqual([]);
    await batch.defer(B, entry("b1", { securityhub: ["bad"] }));
    expect(hub.calls).toHaveLength(1);
    await batch.defer(A, entry("a2", { securityhub: ["f5"] }));
    await batch.flush();
    expect(batch.totals).toMatchObject({ sent: 2, leftPending: 1, failure: expect.objectContaining({ message: "some refused" }) });
  });
});
