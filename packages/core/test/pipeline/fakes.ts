// In-memory ports for the use-case tests: an EKS whose clusters are DescribeCluster records the test controls
// (derived from the shared real record of a modern cluster), and recording publisher, queue and logger.
import type { CoverageRecord, CoverageState, CoverageStore } from "../../src/sweep/coverage.ts";
import { readFileSync } from "node:fs";
import { ClusterNotFound, TopicNotConfigured, UpdateNotFound } from "../../src/errors.ts";
import type { RenderedAlert } from "../../src/voice/alert.ts";
import type { Publisher, SnsEnvelope, Topic } from "../../src/voice/envelope.ts";
import { readsClosure } from "../../src/permissions.ts";
import { DATA_KINDS, type ClusterIdentity, type DataKind } from "../../src/model.ts";
import { defaultPolicy } from "../../src/policy.ts";
import type { CollectedCluster, EksPort, Logger, PipelineDeps, SettleMessage, SettleQueue, UpdateStatus } from "../../src/pipeline/ports.ts";
import { type AccessEntryReading, normaliseCluster, normaliseVersionCatalogue } from "../../src/snapshot.ts";
import { MemoryStateStore } from "./memory-store.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

type JsonRecord = Record<string, unknown>;

function fixtureData(file: string): JsonRecord {
  return (JSON.parse(readFileSync(fixturePath(`eks/${file}`), "utf8")) as { data: JsonRecord }).data;
}

export const versionCatalogue = normaliseVersionCatalogue(fixtureData("DescribeClusterVersions.json"));

/** The real 1.35 record, renamed to the given cluster, with the endpoint configuration the test wants. */
export function clusterRecord(ref: ClusterIdentity, vpc: { endpointPublicAccess: boolean; endpointPrivateAccess: boolean; publicAccessCidrs: string[] }, extra: JsonRecord = {}): JsonRecord {
  const base = fixtureData("DescribeCluster.v1-35.modern-fields.json").cluster as JsonRecord;
  return {
    ...base,
    name: ref.name,
    arn: ref.arn,
    endpoint: `https://EXAMPLE.gr7.${ref.region}.eks.amazonaws.com`,
    resourcesVpcConfig: { ...(base.resourcesVpcConfig as JsonRecord), ...vpc },
    ...extra,
  };
}

export const OPEN = { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };
export const PRIVATE = { endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };

export class FakeEks implements EksPort {
  readonly clusters = new Map<string, JsonRecord>();
  readonly updates = new Map<string, UpdateStatus>();
  /** Errors thrown by the next calls, in order. */
  readonly failures: Error[] = [];
  collectCalls = 0;
  /** The data kinds each collect asked for, in order. */
  readonly reads: DataKind[][] = [];
  /** Access entries by cluster ARN, as the collector hands them over (none when absent). */
  readonly accessEntries = new Map<string, AccessEntryReading[]>();

  /** Like the adapter: only what `reads` asks for (no node groups, add-ons, insights, access entries or identity providers in these clusters). */
  async collect(cluster: ClusterIdentity, reads: Iterable<DataKind> = DATA_KINDS): Promise<CollectedCluster> {
    this.collectCalls += 1;
    const kinds = readsClosure(reads);
    this.reads.push([...kinds].sort());
    const failure = this.failures.shift();
    if (failure) throw failure;
    const record = this.clusters.get(cluster.arn);
    if (!record) throw new ClusterNotFound(cluster.arn);
    const snapshot = normaliseCluster(record, {
      ...(kinds.has("nodegroups") && { nodegroups: [] }),
      ...(kinds.has("addons") && { addons: [] }),
      ...(kinds.has("insights") && { insights: [] }),
      ...(kinds.has("accessEntries") && { accessEntries: this.accessEntries.get(cluster.arn) ?? [] }),
      ...(kinds.has("identityProviders") && { identityProviders: [] }),
    });
    return {
      snapshot,
      record: structuredClone(record),
      ...(kinds.has("versionCatalogue") && { versions: versionCatalogue }),
      ...(kinds.has("addonVersions") && { addonVersions: [] }),
      ...(kinds.has("amiReleases") && { amiReleases: {} }),
    };
  }

  async describeUpdate(cluster: ClusterIdentity, updateId: string): Promise<UpdateStatus> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (!this.clusters.has(cluster.arn)) throw new ClusterNotFound(cluster.arn);
    const update = this.updates.get(updateId);
    if (!update) throw new UpdateNotFound(cluster.arn, updateId);
    return update;
  }
}

/**
 * Records every message with its topic. Like the adapter, it has only the topics it is given (the pipeline's
 * functions: the alerts topic alone) and refuses any other, so a message to the wrong topic fails the test.
 */
export class RecordingPublisher implements Publisher {
  /** Every message taken, with its topic, in order. */
  readonly published: { topic: Topic; message: SnsEnvelope }[] = [];
  /** The messages the alerts topic took, in order (the use-cases' alerts: rendered, with their text and payload). */
  readonly alerts: RenderedAlert[] = [];
  failNext = 0;
  constructor(readonly topics: readonly Topic[] = ["alerts"]) {}
  async publish(topic: Topic, message: SnsEnvelope): Promise<void> {
    if (!this.topics.includes(topic)) throw new TopicNotConfigured(topic);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("SNS unavailable");
    }
    this.published.push({ topic, message });
    if (topic === "alerts") this.alerts.push(message as RenderedAlert);
  }
}

export class RecordingQueue implements SettleQueue {
  readonly messages: { message: SettleMessage; delaySeconds: number }[] = [];
  async enqueue(message: SettleMessage, delaySeconds: number): Promise<void> {
    this.messages.push({ message: structuredClone(message), delaySeconds });
  }
}

export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  debug(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: "debug", message, ...(extra ? { extra } : {}) });
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: "info", message, ...(extra ? { extra } : {}) });
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: "warn", message, ...(extra ? { extra } : {}) });
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: "error", message, ...(extra ? { extra } : {}) });
  }
}

export interface World extends PipelineDeps {
  readonly store: MemoryStateStore;
  readonly publisher: RecordingPublisher;
  readonly eks: FakeEks;
  readonly settleQueue: RecordingQueue;
  readonly logger: RecordingLogger;
  clock: { now: Date };
}

export function world(start = new Date("2026-01-05T10:00:00Z")): World {
  const clock = { now: start };
  return {
    store: new MemoryStateStore(),
    publisher: new RecordingPublisher(),
    eks: new FakeEks(),
    settleQueue: new RecordingQueue(),
    policy: defaultPolicy(),
    logger: new RecordingLogger(),
    now: () => new Date(clock.now),
    clock,
  };
}

/** The coverage records in memory, with the conditional change the table gives. */
export class MemoryCoverage implements CoverageStore {
  readonly records = new Map<string, CoverageRecord>();
  async readCoverage(): Promise<CoverageRecord[]> {
    return [...this.records.values()];
  }
  async changeCoverage(account: string, region: string, next: CoverageRecord | undefined, expected: CoverageState | undefined): Promise<boolean> {
    const key = `${account} ${region}`;
    if (this.records.get(key)?.state !== expected) return false;
    if (next) this.records.set(key, next);
    else this.records.delete(key);
    return true;
  }
}
