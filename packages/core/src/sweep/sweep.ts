// The scheduled sweep (docs/design.md, Data flow 8): every cluster of every configured region through the SAME live
// evaluation as the real-time path (evaluateLive: conditional write, transitions, outbox, alerts), so a change whose
// CloudTrail event was lost is caught within a day and announced once, as "found by the scheduled sweep". Clusters
// with stored state that ListClusters no longer returns are closed.
//
// Failure is partial, never silent:
// - a region that cannot be listed is reported, and never taken for "no clusters": none of its clusters is closed;
// - so is a member account whose role cannot be assumed (every region of it), with an alert on the alerts topic the
//   day it happens (and one when it can be read again), never repeated while the state holds (coverage.ts);
// - a cluster that cannot be read (after the SDK's retries and the sweep's own backoff on throttling) gets ERROR
//   findings for every rule (ERRORED once, never a resolution) and the run goes on.
// Concurrency is bounded (a pool of at most `concurrency` clusters at once) and adapts to EKS's throttling
// (adaptive-pool.ts: halved on a ThrottlingException, one more slot per round of calls that succeed), so EKS's request
// rate stays within its budget; the run ends by saying its EKS calls, their rate and the throttles it met.

import { parseClusterArn } from "../arn.ts";
import { AccountUnreachable } from "../errors.ts";
import { renderAccountReadable, renderAccountUnreachable } from "../voice/coverage.ts";
import { planCoverage, type CoverageChange, type CoverageStore } from "./coverage.ts";
import type { AlertCause, ClusterIdentity, ClusterSnapshot, Finding, VersionCatalogue } from "../model.ts";
import { closeCluster, evaluateLive } from "../pipeline/evaluate-live.ts";
import { judge } from "../pipeline/judgement.ts";
import { rulesOf, type CollectedCluster, type PipelineDeps } from "../pipeline/ports.ts";
import { StagedBatch } from "../pipeline/staged-batch.ts";
import { planEvaluation, type StatePlan, type Transition } from "../state/transitions.ts";
import { SEVERITY_RANK } from "../model.ts";
import { AdaptiveConcurrency, DEFAULT_THROTTLE_RETRY, describeRate, inAdaptivePool, retryThrottled, type ConcurrencyStats } from "./adaptive-pool.ts";

/** Which clusters exist (ClusterInventory implements it). */
export interface InventoryPort {
  /**
   * The clusters of one region, of the caller's own account or of a member account. Throws (typed errors) when the
   * region cannot be listed; AccountUnreachable when the member account's role cannot be assumed.
   */
  clusters(region: string, memberAccount?: string): Promise<ClusterIdentity[]>;
  /** The account the credentials belong to. */
  account(region: string): Promise<string>;
}

/** A cluster with open (not closed) stored state, and when it was last read. */
export interface StoredCluster {
  readonly arn: string;
  /** The newest `observedAt` of its open records (ISO). */
  readonly observedAt: string;
}

/** The clusters the state table knows (DynamoStateStore implements it). */
export interface StateIndex {
  openClusters(): Promise<StoredCluster[]>;
}

export interface SweepDeps extends PipelineDeps {
  readonly inventory: InventoryPort;
  readonly stateIndex: StateIndex;
  /** The member accounts' coverage, so a coverage alert is sent on a change only. */
  readonly coverage: CoverageStore;
  /** Waits between attempts of a throttled cluster (tests pass a clock that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SweepOptions {
  readonly regions: readonly string[];
  /** Member accounts read in their own roles, each in every region, besides the caller's own account (default none). */
  readonly accounts?: readonly string[];
  /** Clusters evaluated at once at most (default 8); fewer while EKS throttles. */
  readonly concurrency?: number;
  /** Attempts per cluster while EKS keeps throttling after the SDK's own retries (default 3). */
  readonly attempts?: number;
  /** First backoff after a throttled attempt, doubled each time (default 2 s). */
  readonly backoffMs?: number;
}

export const DEFAULT_SWEEP_CONCURRENCY = 8;

/** What the sweep learnt about one cluster it could read: the facts the digest reports on. */
export interface SweptCluster {
  readonly ref: ClusterIdentity;
  readonly status: "evaluated" | "stale" | "cluster-not-found" | "unreadable";
  readonly findings: readonly Finding[];
  readonly snapshot?: Pick<ClusterSnapshot, "version" | "supportType" | "status"> & { readonly nodegroups: number; readonly addons: number };
  readonly versions?: VersionCatalogue;
  /** Why it could not be read (status "unreadable"). */
  readonly problem?: string;
}

export interface RegionOutcome {
  readonly region: string;
  /** The member account listed (absent: the caller's own account). */
  readonly account?: string;
  readonly clusters: number;
  /** Set when the region could not be listed: nothing of it was evaluated or closed. */
  readonly problem?: string;
}

export interface SweepResult {
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly regions: readonly RegionOutcome[];
  readonly clusters: readonly SweptCluster[];
  /** Clusters whose state was closed because ListClusters no longer returns them. */
  readonly closed: readonly ClusterIdentity[];
  readonly alertsPublished: number;
  /** Member accounts whose role could not be assumed: none of their clusters was read or closed. */
  readonly unreachableAccounts: readonly UnreachableAccount[];
  /**
   * The staged exports (Security Hub) of the run's judgements, sent in batches: outbox entries sent and cleared, and
   * those left pending (a send failed: the next judgement of the cluster sends them again). Set by runSweep.
   */
  readonly exports?: { readonly sent: number; readonly leftPending: number };
  /**
   * The EKS calls of the run (attempts, retries included, when the EKS port reports them), their throttles and how
   * the concurrency adapted; `perSecond` is calls over the run's wall time.
   */
  readonly eksRate?: ConcurrencyStats & { readonly perSecond: number };
}

export interface UnreachableAccount {
  readonly account: string;
  readonly roleArn?: string;
  readonly problem: string;
}

const SWEEP_CAUSE: AlertCause = { trigger: "sweep" };

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/** Runs `work` over the items, at most `size` at a time, in order of the items. */
export async function inPool<T>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the digest keeps of one evaluation: the findings and a summary of the snapshot (not the whole record). */
export function sweptCluster(ref: ClusterIdentity, status: SweptCluster["status"], findings: readonly Finding[], collected?: CollectedCluster): SweptCluster {
  const snapshot = collected?.snapshot;
  return {
    ref,
    status,
    findings,
    ...(snapshot
      ? {
          snapshot: {
            status: snapshot.status,
            ...(snapshot.version !== undefined ? { version: snapshot.version } : {}),
            ...(snapshot.supportType !== undefined ? { supportType: snapshot.supportType } : {}),
            nodegroups: snapshot.nodegroups?.length ?? 0,
            addons: snapshot.addons?.length ?? 0,
          },
        }
      : {}),
    ...(collected?.versions ? { versions: collected.versions } : {}),
  };
}

/** One ERROR finding per rule: the cluster could not be read, so no rule could decide. */
export function unreadableFindings(deps: PipelineDeps, ref: ClusterIdentity, problem: string): Finding[] {
  return rulesOf(deps).map((rule) => ({
    ruleId: rule.id,
    clusterArn: ref.arn,
    status: "ERROR",
    severity: rule.severity,
    message: `Rule ${rule.id} could not decide on EKS cluster ${ref.name} (${ref.region}) because the scheduled sweep could not read the cluster.`,
    evidence: { error: problem },
    remediation: {
      text: "Check that the sweep function may read the cluster (eks:DescribeCluster and the node group and add-on reads) and that EKS is not throttling the account; the next sweep evaluates it again.",
      command: `aws eks describe-cluster --region ${ref.region} --name ${ref.name}`,
    },
  }));
}

/**
 * Stores ERROR findings for a cluster that could not be read (ERRORED once; an open FAIL stays open), and tells it in
 * one alert for the cluster: one problem, not one alert per rule (15 for one throttled read). Each rule's ERRORED is
 * still stored and kept in the history.
 */
async function recordUnreadable(deps: PipelineDeps, ref: ClusterIdentity, findings: readonly Finding[]): Promise<number> {
  const judged = await judge(deps, ref, {}, {
    plan(records) {
      const now = deps.now();
      return { plan: oneAlertForTheCluster(planEvaluation(records, findings, { now })), at: now, kind: "evaluation", cause: SWEEP_CAUSE, findings, note: "cluster could not be read by the sweep" };
    },
  });
  return judged.kind === "planned" ? judged.judgement.plan.notify.length : 0;
}

/** The ERRORED alerts of an unreadable cluster as one: the most severe rule's, naming the others. */
function oneAlertForTheCluster(plan: StatePlan): StatePlan {
  const errored = plan.notify.filter((transition) => transition.kind === "ERRORED");
  if (errored.length < 2) return plan;
  const [first, ...others] = [...errored].sort((a, b) => SEVERITY_RANK[b.after.severity] - SEVERITY_RANK[a.after.severity] || a.ruleId.localeCompare(b.ruleId));
  const told: Transition = { ...first!, sameProblem: others.map((transition) => transition.ruleId) };
  return {
    ...plan,
    transitions: plan.transitions.map((transition) => (transition === first ? told : transition)),
    notify: [...plan.notify.filter((transition) => transition.kind !== "ERRORED"), told],
  };
}

async function sweepCluster(deps: SweepDeps, ref: ClusterIdentity, options: SweepOptions): Promise<{ swept: SweptCluster; alerts: number }> {
  let lastError: unknown;
  try {
    const outcome = await retryThrottled(() => evaluateLive(deps, ref, SWEEP_CAUSE), {
      attempts: options.attempts ?? DEFAULT_THROTTLE_RETRY.attempts,
      backoffMs: options.backoffMs ?? DEFAULT_THROTTLE_RETRY.backoffMs,
      sleep: deps.sleep ?? defaultSleep,
      onBackoff: (attempt, waitMs) => deps.logger.warn("cluster throttled after the SDK's retries: backing off", { clusterArn: ref.arn, attempt, waitMs }),
    });
    return { swept: sweptCluster(ref, outcome.status, outcome.findings, outcome.collected), alerts: outcome.notified.length };
  } catch (error) {
    lastError = error;
  }
  const problem = describeError(lastError);
  deps.logger.error("cluster could not be read: recording ERROR findings and going on", { clusterArn: ref.arn, error: problem });
  const findings = unreadableFindings(deps, ref, problem);
  let alerts = 0;
  try {
    alerts = await recordUnreadable(deps, ref, findings);
  } catch (error) {
    deps.logger.error("ERROR findings could not be stored either", { clusterArn: ref.arn, error: describeError(error) });
  }
  return { swept: { ref, status: "unreadable", findings, problem }, alerts };
}

/** What listing every account x region found (listFleet): the sweep's and `eks-warden scan` / `digest`'s first step. */
export interface FleetListing {
  /** One per account and region, the caller's own account first, each member account's regions after it. */
  readonly regions: readonly RegionOutcome[];
  /** The clusters found, in the order of `regions`. */
  readonly clusters: readonly ClusterIdentity[];
  /** Per account and region listed (`${account}\n${region}`): the ARNs ListClusters returned. */
  readonly listed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Member accounts whose role could not be assumed: none of their regions was listed. */
  readonly unreachableAccounts: readonly UnreachableAccount[];
  /** The caller's own account, once a region of it could be listed. */
  readonly ownAccount?: string;
}

export interface FleetListingOptions {
  readonly regions: readonly string[];
  /** Member accounts listed in their own roles, each in every region, besides the caller's own account (default none). */
  readonly accounts?: readonly string[];
  /**
   * What a region's (or an account's) failure becomes in the report; default describeError. It may throw: the CLI
   * rethrows what is not an AWS failure (a bug, exit 3) rather than report it as a region it could not read.
   */
  readonly describeProblem?: (error: unknown) => string;
  /** Told of each account x region as it is listed (or not, `error` then set when it was asked and failed). */
  readonly onRegion?: (outcome: RegionOutcome, error?: unknown) => void;
}

/**
 * ListClusters of every region of the caller's own account and of each member account (in its read-only role). A
 * region that cannot be listed is reported, never taken for "no clusters"; a member account whose role cannot be
 * assumed (AccountUnreachable) is asked once: the refusal stands for all of its regions.
 */
export async function listFleet(inventory: InventoryPort, options: FleetListingOptions): Promise<FleetListing> {
  const describe = options.describeProblem ?? describeError;
  const regions: RegionOutcome[] = [];
  const clusters: ClusterIdentity[] = [];
  const listed = new Map<string, Set<string>>();
  const unreachable = new Map<string, UnreachableAccount>();
  let ownAccount: string | undefined;
  const report = (outcome: RegionOutcome, error?: unknown): void => {
    regions.push(outcome);
    options.onRegion?.(outcome, error);
  };
  const targets = [undefined, ...(options.accounts ?? [])].flatMap((account) => options.regions.map((region) => ({ account, region })));
  for (const { account: member, region } of targets) {
    const known = member === undefined ? undefined : unreachable.get(member);
    if (known) {
      // The role is per account, not per region: one refusal stands for all of the account's regions this run.
      report({ region, account: known.account, clusters: 0, problem: known.problem });
      continue;
    }
    let found: ClusterIdentity[];
    try {
      found = await inventory.clusters(region, member);
      const account = member ?? found[0]?.account ?? (await inventory.account(region));
      if (member === undefined) ownAccount ??= account;
      listed.set(`${account}\n${region}`, new Set(found.map((ref) => ref.arn)));
    } catch (error) {
      const problem = describe(error);
      if (member !== undefined && error instanceof AccountUnreachable) unreachable.set(member, { account: member, ...(error.roleArn !== undefined && { roleArn: error.roleArn }), problem });
      report({ region, ...(member !== undefined && { account: member }), clusters: 0, problem }, error);
      continue;
    }
    clusters.push(...found);
    report({ region, ...(member !== undefined && { account: member }), clusters: found.length });
  }
  return { regions, clusters, listed, unreachableAccounts: [...unreachable.values()], ...(ownAccount !== undefined && { ownAccount }) };
}

/** Evaluates every cluster of the regions, closes the state of clusters that are gone, and says what it could not read. */
export async function runSweep(given: SweepDeps, options: SweepOptions): Promise<SweepResult> {
  // One invocation judges every cluster: their staged exports go out together, 100 findings a call, not one call each.
  const batch = new StagedBatch(given);
  const deps: SweepDeps = { ...given, deferStaged: batch };
  const startedAt = deps.now();
  const { regions, clusters: refs, listed, unreachableAccounts } = await listFleet(deps.inventory, {
    regions: options.regions,
    ...(options.accounts && { accounts: options.accounts }),
    onRegion(outcome, error) {
      if (error === undefined) return;
      if (outcome.account !== undefined && error instanceof AccountUnreachable) {
        deps.logger.error("member account could not be read: its clusters are neither evaluated nor closed", { account: outcome.account, error: outcome.problem });
      } else {
        deps.logger.error("region could not be listed: its clusters are neither evaluated nor closed", { region: outcome.region, ...(outcome.account !== undefined && { account: outcome.account }), error: outcome.problem });
      }
    },
  });

  const swept: SweptCluster[] = new Array<SweptCluster>(refs.length);
  let alertsPublished = 0;
  const concurrency = new AdaptiveConcurrency(options.concurrency ?? DEFAULT_SWEEP_CONCURRENCY);
  const stopObserving = deps.eks.observeAttempts?.(concurrency);
  const poolStarted = performance.now();
  try {
    await inAdaptivePool(refs, concurrency, async (ref, index) => {
      const { swept: result, alerts } = await sweepCluster(deps, ref, options);
      swept[index] = result;
      alertsPublished += alerts;
    });
  } finally {
    stopObserving?.();
  }
  const poolMs = performance.now() - poolStarted;
  const stats = concurrency.stats();
  const eksRate = { ...stats, perSecond: poolMs > 0 ? Math.round((stats.calls / poolMs) * 10_000) / 10 : 0 };
  deps.logger.info(`sweep's EKS reads: ${describeRate(stats, poolMs)}`, { eksCalls: stats.calls, eksThrottles: stats.throttles, eksCallsPerSecond: eksRate.perSecond, concurrencyMax: stats.max, concurrencyLowest: stats.lowest, concurrencyRecoveredTo: stats.recoveredTo });

  // Gone: open state in an account and region that were listed, not listed, and last read before the listing (a
  // cluster created since the listing, already evaluated in real time, is not gone).
  const closed: ClusterIdentity[] = [];
  for (const stored of await deps.stateIndex.openClusters()) {
    const identity = parseClusterArn(stored.arn);
    const listing = identity ? listed.get(`${identity.account}\n${identity.region}`) : undefined;
    if (!identity || !listing || listing.has(stored.arn)) continue;
    if (Date.parse(stored.observedAt) >= startedAt.getTime()) continue;
    const ref: ClusterIdentity = { arn: stored.arn, account: identity.account, region: identity.region, name: identity.name };
    try {
      await closeCluster(deps, ref, SWEEP_CAUSE, "closed");
      closed.push(ref);
    } catch (error) {
      deps.logger.error("state of a deleted cluster could not be closed", { clusterArn: ref.arn, error: describeError(error) });
    }
  }

  alertsPublished += await announceCoverage(deps, regions, unreachableAccounts, options.regions);
  await batch.flush();
  const { sent, leftPending } = batch.totals;
  deps.logger.info("sweep done", { regions: regions.length, clusters: refs.length, closed: closed.length, alertsPublished, unreachableAccounts: unreachableAccounts.length, exportsSent: sent, exportsLeftPending: leftPending });
  return { startedAt, endedAt: deps.now(), regions, clusters: swept, closed, alertsPublished, unreachableAccounts, exports: { sent, leftPending }, eksRate };
}

/**
 * Records the member accounts' coverage changes and announces each once: the change is claimed in the table first (a
 * run that loses the race leaves the alert to the winner), then published; a publish that fails gives the claim back,
 * so the next run tries again. A store that cannot be read is no reason to stay quiet: the alerts go out as before.
 */
async function announceCoverage(deps: SweepDeps, regions: readonly RegionOutcome[], unreachable: readonly UnreachableAccount[], sweptRegions: readonly string[]): Promise<number> {
  let stored;
  try {
    stored = await deps.coverage.readCoverage();
  } catch (error) {
    deps.logger.error("the coverage state could not be read: announcing every unreadable account", { error: describeError(error) });
    stored = undefined;
  }
  const now = deps.now();
  const changes = stored === undefined ? unreachable.map((account): CoverageChange => ({ account: account.account, to: "lost", writes: [], announce: true })) : planCoverage(stored, regions, unreachable, now);
  let published = 0;
  for (const change of changes) {
    const claimed = [];
    for (const write of change.writes) {
      try {
        if (await deps.coverage.changeCoverage(write.record.account, write.record.region, write.record, write.previous?.state)) claimed.push(write);
      } catch (error) {
        deps.logger.error("a coverage change could not be stored", { account: change.account, region: write.record.region, error: describeError(error) });
      }
    }
    if (!change.announce || (change.writes.length > 0 && claimed.length === 0)) continue;
    const account = unreachable.find((candidate) => candidate.account === change.account);
    const message = change.to === "lost" && account ? renderAccountUnreachable(account, sweptRegions, now) : renderAccountReadable({ account: change.account, regions: claimed.map((write) => write.record.region) }, now);
    try {
      await deps.publisher.publish("alerts", message);
      published += 1;
    } catch (error) {
      deps.logger.error(change.to === "lost" ? "the unreadable account's alert could not be published" : "the readable-again account's alert could not be published", { account: change.account, error: describeError(error) });
      for (const write of claimed) {
        await deps.coverage.changeCoverage(write.record.account, write.record.region, write.previous, write.record.state).catch(() => false);
      }
    }
  }
  return published;
}
