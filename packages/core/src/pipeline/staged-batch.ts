// Deferred staged sends for a caller that judges many clusters in one invocation (the sweep): each judgement still
// writes its export into its outbox entry with the state (pipeline/judgement.ts), but the sends are collected here
// and made together, up to `limit` items at a time (Security Hub: 100 findings a BatchImportFindings call), then each
// entry is cleared, or kept with what was not sent. Nothing is lost: until its flush clears it, an entry is pending
// in the table, and a later judgement of its cluster (the next sweep, or an event) sends it.

import type { ClusterIdentity } from "../model.ts";
import { unsentOf, type DeferredStagedSends, type PendingAlerts, type PipelineDeps, type StagedDeliverer, type StagedGroup, type StagedGroupsSent } from "./ports.ts";

/** Security Hub takes at most 100 findings a call: a flush is made once this many items are collected. */
export const DEFAULT_STAGED_BATCH_LIMIT = 100;

/** What one flush (or every flush of a batch, `StagedBatch.totals`) did. */
export interface StagedFlush {
  /** Outbox entries whose exports were all sent, and cleared. */
  readonly sent: number;
  /** Outbox entries kept pending (an export not sent, or the entry could not be cleared): sent by a later judgement. */
  readonly leftPending: number;
  /** The first failure, when something was left pending. */
  readonly failure?: unknown;
}

interface Deferred {
  readonly cluster: ClusterIdentity;
  readonly entry: PendingAlerts;
}

export class StagedBatch implements DeferredStagedSends {
  readonly #deps: Pick<PipelineDeps, "store" | "logger" | "deliverers">;
  readonly #limit: number;
  #entries = new Map<string, Deferred>();
  #items = 0;
  #totals: { sent: number; leftPending: number; failure?: unknown } = { sent: 0, leftPending: 0 };

  constructor(deps: Pick<PipelineDeps, "store" | "logger" | "deliverers">, limit = DEFAULT_STAGED_BATCH_LIMIT) {
    this.#deps = deps;
    this.#limit = limit;
  }

  /** Every flush of this batch so far, added up. */
  get totals(): StagedFlush {
    return { ...this.#totals };
  }

  async defer(cluster: ClusterIdentity, entry: PendingAlerts): Promise<void> {
    // The same entry read again (a judgement that lost its write reads the outbox again) replaces the first.
    const key = `${cluster.arn}\n${entry.id}`;
    const known = this.#entries.get(key);
    if (known) this.#items -= itemsOf(known.entry);
    this.#entries.set(key, { cluster, entry });
    this.#items += itemsOf(entry);
    if (this.#items >= this.#limit) await this.flush();
  }

  /** Sends what is collected; never throws: what was not sent stays pending, is logged, and is counted. */
  async flush(): Promise<StagedFlush> {
    const deferred = [...this.#entries.values()];
    this.#entries = new Map();
    this.#items = 0;
    if (deferred.length === 0) return { sent: 0, leftPending: 0 };
    const left = deferred.map((): Record<string, readonly unknown[]> => ({}));
    let failure: unknown;
    const names = new Set(deferred.flatMap(({ entry }) => Object.keys(entry.staged ?? {})));
    for (const name of names) {
      const deliverer = (this.#deps.deliverers ?? []).find((candidate): candidate is StagedDeliverer => candidate.stage !== undefined && candidate.name === name);
      const indexes = deferred.flatMap(({ entry }, index) => ((entry.staged?.[name]?.length ?? 0) > 0 ? [index] : []));
      const groups = indexes.map((index) => ({ cluster: deferred[index]!.cluster, items: deferred[index]!.entry.staged![name]! }));
      if (!deliverer) {
        // Only entries whose exports this deployment makes are deferred (judgement.ts): kept, never dropped.
        for (const [position, index] of indexes.entries()) left[index]![name] = groups[position]!.items;
        failure ??= new Error(`no staged deliverer named ${name}`);
        continue;
      }
      const outcome = await sendGroups(deliverer, groups);
      for (const [position, index] of indexes.entries()) {
        const unsent = outcome.unsent[position] ?? groups[position]!.items;
        if (unsent.length > 0) left[index]![name] = unsent;
      }
      failure ??= outcome.failure;
    }
    let sent = 0;
    let leftPending = 0;
    for (const [index, { cluster, entry }] of deferred.entries()) {
      const rest = left[index]!;
      try {
        if (Object.keys(rest).length === 0) {
          await this.#deps.store.clearAlerts(cluster.arn, entry.id);
          sent += 1;
          continue;
        }
        leftPending += 1;
        if (Object.keys(rest).length !== Object.keys(entry.staged ?? {}).length || Object.entries(rest).some(([name, items]) => items.length !== entry.staged?.[name]?.length)) {
          await this.#deps.store.keepPending(cluster.arn, { ...entry, alerts: [], staged: rest });
        }
      } catch (error) {
        // The entry stays as stored (all of its exports pending): sent again later, at worst once more.
        this.#deps.logger.error("outbox entry could not be updated after a batched export: left pending", { clusterArn: cluster.arn, outboxId: entry.id, error });
        if (Object.keys(rest).length === 0) leftPending += 1;
        failure ??= error;
      }
    }
    if (leftPending > 0) this.#deps.logger.error("batched exports not all sent: kept in the outbox for a later run", { entries: deferred.length, leftPending, error: failure });
    const firstFailure = this.#totals.failure ?? (leftPending > 0 ? failure : undefined);
    this.#totals = { sent: this.#totals.sent + sent, leftPending: this.#totals.leftPending + leftPending, ...(firstFailure !== undefined ? { failure: firstFailure } : {}) };
    return { sent, leftPending, ...(failure !== undefined && leftPending > 0 ? { failure } : {}) };
  }
}

function itemsOf(entry: PendingAlerts): number {
  return Object.values(entry.staged ?? {}).reduce((sum, items) => sum + items.length, 0);
}

/** A deliverer's batched send, or (one without it) its own send per group. */
async function sendGroups(deliverer: StagedDeliverer, groups: readonly StagedGroup[]): Promise<StagedGroupsSent> {
  if (deliverer.sendMany) {
    try {
      return await deliverer.sendMany(groups);
    } catch (error) {
      // Failed before it could say what it sent (the account could not be read): nothing was.
      return { unsent: groups.map((group) => group.items), failure: error };
    }
  }
  const unsent: (readonly unknown[])[] = [];
  let failure: unknown;
  for (const { cluster, items } of groups) {
    try {
      await deliverer.send(cluster, items);
      unsent.push([]);
    } catch (error) {
      failure ??= error;
      unsent.push(unsentOf(error, items));
    }
  }
  return { unsent, ...(failure !== undefined ? { failure } : {}) };
}
