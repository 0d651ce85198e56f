// An in-memory StateStore with the same semantics as the DynamoDB one (versioned conditional writes that succeed
// or fail as a whole, leased event claims), for fast tests of the use-cases. Test code: not part of core.

import { StateConflict } from "../../src/errors.ts";
import { EVENT_CLAIM_LEASE_SECONDS, type ClusterState, type CommitOptions, type HistoryEntry, type PendingAlerts, type StateStore } from "../../src/pipeline/ports.ts";
import type { RecordWrite, StoredRuleState } from "../../src/state/transitions.ts";
import type { TagGrant } from "../../src/model.ts";
import { EXEMPTION_TAG } from "../../src/exemptions.ts";
import type { GovernedTag } from "../../src/monitor-tags.ts";

export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, Map<string, StoredRuleState>>();
  readonly history: HistoryEntry[] = [];
  readonly events = new Map<string, { status: "IN_PROGRESS" | "COMPLETED"; leaseUntil: number; completedAt?: number; clusterArn?: string }>();
  readonly outbox = new Map<string, PendingAlerts[]>();
  readonly tagGrants = new Map<string, TagGrant>();

  /** Keyed by cluster ARN (the exemption tag's grants), or cluster ARN and tag (another governed tag's), as in DynamoDB. */
  async recordTagGrant(clusterArn: string, grant: TagGrant, tag: GovernedTag = EXEMPTION_TAG): Promise<void> {
    const key = tag === EXEMPTION_TAG ? clusterArn : `${clusterArn}#${tag}`;
    const stored = this.tagGrants.get(key);
    if (stored === undefined || stored.at <= grant.at) this.tagGrants.set(key, structuredClone(grant));
  }

  async readTagGrant(clusterArn: string, tag: GovernedTag = EXEMPTION_TAG): Promise<TagGrant | undefined> {
    return structuredClone(this.tagGrants.get(tag === EXEMPTION_TAG ? clusterArn : `${clusterArn}#${tag}`));
  }

  async readState(clusterArn: string): Promise<StoredRuleState[]> {
    return structuredClone([...(this.records.get(clusterArn)?.values() ?? [])]);
  }

  async readCluster(clusterArn: string): Promise<ClusterState> {
    return { records: await this.readState(clusterArn), pending: await this.pendingAlerts(clusterArn) };
  }

  async commit(clusterArn: string, writes: readonly RecordWrite[], history: HistoryEntry, outbox?: PendingAlerts, options: CommitOptions = {}): Promise<void> {
    const cluster = this.records.get(clusterArn) ?? new Map<string, StoredRuleState>();
    for (const write of writes) {
      if ((cluster.get(write.record.ruleId)?.version ?? 0) !== write.expectedVersion) throw new StateConflict(clusterArn);
    }
    for (const write of writes) cluster.set(write.record.ruleId, structuredClone(write.record));
    this.records.set(clusterArn, cluster);
    this.history.push(structuredClone(history));
    if (outbox && (outbox.alerts.length > 0 || outbox.staged !== undefined)) this.outbox.set(clusterArn, [...(this.outbox.get(clusterArn) ?? []), structuredClone(outbox)]);
    for (const id of options.clearOutbox ?? []) await this.clearAlerts(clusterArn, id);
    if (options.completeEvent) this.#complete(options.completeEvent.eventId, options.completeEvent.at);
  }

  async pendingAlerts(clusterArn: string): Promise<PendingAlerts[]> {
    return structuredClone(this.outbox.get(clusterArn) ?? []);
  }

  async clearAlerts(clusterArn: string, id: string): Promise<void> {
    this.outbox.set(clusterArn, (this.outbox.get(clusterArn) ?? []).filter((entry) => entry.id !== id));
  }

  async keepPending(clusterArn: string, entry: PendingAlerts): Promise<void> {
    const entries = this.outbox.get(clusterArn) ?? [];
    const index = entries.findIndex((candidate) => candidate.id === entry.id);
    this.outbox.set(clusterArn, index < 0 ? [...entries, structuredClone(entry)] : entries.map((candidate, at) => (at === index ? structuredClone(entry) : candidate)));
  }

  async appendHistory(entry: HistoryEntry, options: Pick<CommitOptions, "completeEvent"> = {}): Promise<void> {
    this.history.push(structuredClone(entry));
    if (options.completeEvent) this.#complete(options.completeEvent.eventId, options.completeEvent.at);
  }

  async claimEvent(eventId: string, now: Date, clusterArn?: string): Promise<"claimed" | "duplicate"> {
    const existing = this.events.get(eventId);
    if (existing && (existing.status === "COMPLETED" || existing.leaseUntil > now.getTime())) return "duplicate";
    this.events.set(eventId, { status: "IN_PROGRESS", leaseUntil: now.getTime() + EVENT_CLAIM_LEASE_SECONDS * 1000, ...(clusterArn !== undefined && { clusterArn }) });
    return "claimed";
  }

  async completeEvent(eventId: string, now: Date): Promise<void> {
    this.#complete(eventId, now);
  }

  async readEventClaim(eventId: string): Promise<{ readonly clusterArn?: string } | undefined> {
    const claim = this.events.get(eventId);
    return claim && (claim.clusterArn !== undefined ? { clusterArn: claim.clusterArn } : {});
  }

  #complete(eventId: string, at: Date): void {
    const clusterArn = this.events.get(eventId)?.clusterArn;
    this.events.set(eventId, { status: "COMPLETED", leaseUntil: Number.POSITIVE_INFINITY, completedAt: at.getTime(), ...(clusterArn !== undefined && { clusterArn }) });
  }

  async releaseEvent(eventId: string, completedAt?: Date): Promise<void> {
    const existing = this.events.get(eventId);
    if (existing?.status === "COMPLETED" && existing.completedAt !== completedAt?.getTime()) return;
    this.events.delete(eventId);
  }
}
