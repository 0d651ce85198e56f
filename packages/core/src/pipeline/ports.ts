// The ports the real-time use-cases run over. The AWS adapters in ../aws/ implement them for production (and the
// local stack); in-memory versions implement them for fast tests. The use-cases never see an SDK.

import type { RenderedAlert } from "../voice/alert.ts";
import type { Publisher } from "../voice/envelope.ts";
import type { GovernedTag } from "../monitor-tags.ts";
import type { AddonVersionInfo, AlertCause, AmiReleases, ClusterIdentity, ClusterSnapshot, DataKind, EvaluationContext, FindingStatus, Policy, Rule, Severity, TagGrant, VersionCatalogue } from "../model.ts";
import type { RecordWrite, StatePlan, StoredRuleState, TransitionKind } from "../state/transitions.ts";
import type { RemediationMessage } from "../remediation/messages.ts";
import type { RemediationDeps } from "../remediation/ports.ts";
import { rules as registeredRules } from "../rules/index.ts";

export type HistoryKind = "evaluation" | "intent" | "failed-call" | "closed" | "cluster-not-found" | "remediation" | "auto-remediation";

/** One line of a cluster's history: every evaluation and every recorded call, with its cause. */
export interface HistoryEntry {
  readonly clusterArn: string;
  readonly at: Date;
  readonly kind: HistoryKind;
  readonly cause: AlertCause;
  readonly findings?: readonly { readonly ruleId: string; readonly status: FindingStatus; readonly severity: Severity }[];
  readonly transitions?: readonly { readonly ruleId: string; readonly kind: TransitionKind; readonly notified: boolean }[];
  readonly failed?: { readonly errorCode: string; readonly errorMessage: string };
  readonly note?: string;
  /** A remediation step (kind remediation), or the monitor's own call coming back (kind auto-remediation). */
  readonly remediation?: {
    readonly step: string;
    readonly attemptId?: string;
    readonly action?: string;
    readonly updateId?: string;
    readonly input?: unknown;
    readonly reason?: string;
    readonly errors?: readonly string[];
    readonly override?: { readonly tag: string; readonly value: string };
  };
}

/** What the publisher sends to the alerts topic: a rendered alert (see voice/alert.ts). */
export type OutboxAlert = Pick<RenderedAlert, "subject" | "message" | "messageStructure" | "attributes">;

/** An outbox entry's id: its judgement's time, what caused it (an event id, or the trigger) and the judgement's kind. */
export function outboxId(at: Date, source: string, kind: string): string {
  return `${at.toISOString()}#${source}#${kind}`;
}

/** What an outbox id (outboxId) says: when its judgement was (NaN if unreadable) and what caused it. */
export function outboxIdParts(id: string): { readonly writtenAt: number; readonly source: string } {
  const [at, ...rest] = id.split("#");
  return { writtenAt: Date.parse(at ?? ""), source: rest.slice(0, -1).join("#") };
}

/** Alerts written with the state change that caused them and not yet confirmed published (the outbox). */
export interface PendingAlerts {
  readonly id: string;
  readonly alerts: readonly OutboxAlert[];
  /**
   * An early alert's entry is held for the settle check of the event that raised it (`heldFor`, the event id) until
   * `heldUntil` (ISO time): that check clears it (its message says it was published) or publishes it; no other
   * evaluation publishes it again before then.
   */
  readonly heldFor?: string;
  readonly heldUntil?: string;
  /**
   * What staged deliverers (Deliverer with `stage`) are to send for this judgement, by deliverer name, written with
   * the state change and kept until they confirm it sent: an export that fails is sent again from here, never lost.
   */
  readonly staged?: Readonly<Record<string, readonly unknown[]>>;
}

/** A cluster's stored state and its pending alerts, read together (one consistent read). */
export interface ClusterState {
  readonly records: StoredRuleState[];
  readonly pending: PendingAlerts[];
}

/** What else a commit writes in its transaction. */
export interface CommitOptions {
  /** Completes the claim of this event (see claimEvent) in the same transaction: no separate call. */
  readonly completeEvent?: { readonly eventId: string; readonly at: Date };
  /** Outbox entries known to be published, deleted in the same transaction. */
  readonly clearOutbox?: readonly string[];
}

/** How long an event claim holds before another invocation may take it over (its holder died). */
export const EVENT_CLAIM_LEASE_SECONDS = 900;



export interface StateStore {
  /** Every stored rule record of the cluster, closed ones included. */
  readState(clusterArn: string): Promise<StoredRuleState[]>;
  /** readState and pendingAlerts in one read. */
  readCluster(clusterArn: string): Promise<ClusterState>;
  /**
   * Writes the records, the history entry and the alerts to send (`outbox`, kept under `outbox.id` until
   * clearAlerts) atomically, with what `options` adds; throws StateConflict if any expected version moved.
   */
  commit(clusterArn: string, writes: readonly RecordWrite[], history: HistoryEntry, outbox?: PendingAlerts, options?: CommitOptions): Promise<void>;
  /** Outbox entries of the cluster whose publication was not confirmed (a publish failed or the function died). */
  pendingAlerts(clusterArn: string): Promise<PendingAlerts[]>;
  clearAlerts(clusterArn: string, id: string): Promise<void>;
  /** Replaces an outbox entry by what is left of it to send (its alerts out, a staged export not yet). */
  keepPending(clusterArn: string, entry: PendingAlerts): Promise<void>;
  /** Appends a history entry alone (nothing else changed), completing an event's claim with it when asked. */
  appendHistory(entry: HistoryEntry, options?: Pick<CommitOptions, "completeEvent">): Promise<void>;
  /**
   * Claims an event id for processing. "duplicate" when it was processed, or is being processed by another
   * invocation whose lease has not run out.
   */
  claimEvent(eventId: string, now: Date, clusterArn?: string): Promise<"claimed" | "duplicate">;
  completeEvent(eventId: string, now: Date): Promise<void>;
  /**
   * The claim of an event id, if cluster-event ever claimed it (in progress or completed; until the claim's TTL):
   * the cluster it was claimed for. Settle checks a message it would remediate on against it.
   */
  readEventClaim(eventId: string): Promise<{ readonly clusterArn?: string } | undefined>;
  /**
   * Gives a claim back after a failure, so the retry of the same event is processed: a claim in progress, or one
   * this invocation completed itself in a commit at `completedAt` (a later failure, e.g. a publish, must be retried).
   */
  releaseEvent(eventId: string, completedAt?: Date): Promise<void>;
  /**
   * Records who set (or removed) a governed tag (default: the exemption tag; or the remediation override); a grant
   * older than the stored one of the same tag is ignored.
   */
  recordTagGrant(clusterArn: string, grant: TagGrant, tag?: GovernedTag): Promise<void>;
  /** The recorded setting of a governed tag (default: the exemption tag), if any. */
  readTagGrant(clusterArn: string, tag?: GovernedTag): Promise<TagGrant | undefined>;
}

/** What a use-case plans for one cluster (pipeline/judgement.ts commits it): the records, the history entry, the alerts. */
export interface Judgement {
  readonly plan: StatePlan;
  readonly history: HistoryEntry;
  readonly outbox: PendingAlerts;
}

/**
 * Sends what a committed judgement says, once its write is done. The alerts topic is always the first deliverer.
 * Tries everything it can, then throws its first failure, so that the input is retried.
 */
export type Deliverer = DirectDeliverer | StagedDeliverer;

/** Given each committed judgement after its write; nothing of it is stored (a failure is the input's retry). */
export interface DirectDeliverer {
  readonly stage?: undefined;
  deliver(cluster: ClusterIdentity, judgement: Judgement): Promise<void>;
}

/** What a judgement changes, as a staged deliverer sees it before the write. */
export interface StagedChange {
  /** The cluster's records as read for this judgement (closed ones included). */
  readonly previous: readonly StoredRuleState[];
  readonly plan: StatePlan;
  readonly at: Date;
}

/**
 * An export that must not be lost (AWS Security Hub): `stage` says, without I/O, what a judgement gives it to send;
 * that is written in the outbox entry with the state change (PendingAlerts.staged[name]) and `send` sends it after
 * the write, and again from the entry (an earlier attempt's) until it succeeds.
 */
/** A `send` failure that says which items were not sent (the rest were): only those are kept to send again. */
export function unsentOf(error: unknown, items: readonly unknown[]): readonly unknown[] {
  const unsent = error !== null && typeof error === "object" ? (error as { unsent?: unknown }).unsent : undefined;
  return Array.isArray(unsent) && unsent.length > 0 ? unsent : items;
}

export interface StagedDeliverer {
  readonly name: string;
  stage(cluster: ClusterIdentity, change: StagedChange): readonly unknown[];
  send(cluster: ClusterIdentity, items: readonly unknown[]): Promise<void>;
  /**
   * Sends what several judgements (of any clusters) staged in as few calls as it can (a deferred flush, StagedBatch).
   * Never throws for a send that failed: it says, per group, what was not sent, and the first failure.
   */
  sendMany?(groups: readonly StagedGroup[]): Promise<StagedGroupsSent>;
}

/** What one outbox entry staged for a deliverer, with its cluster. */
export interface StagedGroup {
  readonly cluster: ClusterIdentity;
  readonly items: readonly unknown[];
}

/** `unsent[i]`: the items of groups[i] that were not sent (empty when all were); `failure`: the first failure, if any. */
export interface StagedGroupsSent {
  readonly unsent: readonly (readonly unknown[])[];
  readonly failure?: unknown;
}

/**
 * Collects the staged exports of many judgements to send them together (the sweep: one BatchImportFindings per 100
 * changed findings, not one per cluster). An entry is given to it only once its alerts are out and the entry, still
 * holding its exports, is stored: if the invocation dies before the flush, the entry is pending and a later
 * judgement of the cluster sends it.
 */
export interface DeferredStagedSends {
  defer(cluster: ClusterIdentity, entry: PendingAlerts): Promise<void>;
}

export interface CollectedCluster {
  readonly snapshot: ClusterSnapshot;
  /** Absent when the catalogue could not be read: version rules then report ERROR. */
  readonly versions?: VersionCatalogue;
  /** The catalogue entries of the cluster's add-ons; absent when not read or not readable (addon-outdated: ERROR). */
  readonly addonVersions?: readonly AddonVersionInfo[];
  /** The latest AMI releases of the node groups' AMI types; absent when not read or not readable. */
  readonly amiReleases?: AmiReleases;
  /** The DescribeCluster `cluster` record as EKS returned it, for overlaying an intent. */
  readonly record: Readonly<Record<string, unknown>>;
}

export interface UpdateStatus {
  /** InProgress, Successful, Failed, Cancelled. */
  readonly status: string;
  readonly type?: string;
  /** When EKS started the update (EKS's clock, as CloudTrail's). */
  readonly createdAt?: Date;
  readonly errors: readonly { readonly errorCode?: string; readonly errorMessage?: string }[];
}

export interface EksPort {
  /**
   * DescribeCluster and the other data in `reads` (default: every kind), nothing more. Throws ClusterNotFound,
   * Throttled, EksUnavailable.
   */
  collect(cluster: ClusterIdentity, reads?: Iterable<DataKind>): Promise<CollectedCluster>;
  /** DescribeUpdate. Throws UpdateNotFound, ClusterNotFound, Throttled, EksUnavailable. */
  describeUpdate(cluster: ClusterIdentity, updateId: string, scope?: { nodegroupName?: string; addonName?: string }): Promise<UpdateStatus>;
  /**
   * Tells the observer of every attempt of every EKS call from now on (the SDK's retries included), until the
   * returned function is called: how the sweep and scan learn of throttling the SDK retried away.
   */
  observeAttempts?(observer: AttemptObserver): () => void;
}

/** Told of every attempt of an AWS call, retries included (sweep/adaptive-pool.ts's AdaptiveConcurrency is one). */
export interface AttemptObserver {
  /** An attempt starts; the value returned is handed back when it ends. */
  attemptStarted(): number;
  attemptEnded(started: number, outcome: "ok" | "throttled" | "error"): void;
}

export interface SettleQueue {
  /** Settle checks, and remediation steps (kind "remediation") that travel on the same queue. */
  enqueue(message: SettleMessage | RemediationMessage, delaySeconds: number): Promise<void>;
}

/** A settle check: follow the change `eventId` started on the cluster to its end. Serialisable as JSON. */
export interface SettleMessage {
  readonly version: 1;
  readonly cluster: ClusterIdentity;
  readonly eventId: string;
  readonly eventName: string;
  readonly updateId?: string;
  readonly nodegroupName?: string;
  readonly addonName?: string;
  /** The call asked for an endpoint configuration (it has an intent): its settled FAIL may be remediated. */
  readonly endpointChange?: boolean;
  /** 1 for the first check. */
  readonly attempt: number;
  readonly queuedAt: string;
  /** The outbox entry of the early alerts, published before the check was queued: the check only clears it. */
  readonly publishedOutboxId?: string;
  readonly cause: {
    readonly actor?: AlertCause["actor"];
    readonly sourceIp?: string;
    readonly userAgent?: string;
    readonly eventTime?: string;
  };
}

/** The keys a handler logs one input by (Powertools appendKeys: a type, not an interface, to fit its index signature). */
export type LogKeys = { readonly eventId?: string; readonly clusterArn?: string };

/** An input parsed once: what the use-case runs on, or why it is dropped; with the keys to log it by either way. */
export type ReadInput<T, E extends Error> =
  | { readonly value: T; readonly rejected?: undefined; readonly logKeys: LogKeys }
  | { readonly value?: undefined; readonly rejected: E; readonly logKeys: LogKeys };

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface PipelineSettings {
  /** First settle check delay; EKS endpoint updates take minutes. */
  readonly settleDelaySeconds: number;
  /** Upper bound of the growing delay between checks (SQS allows at most 900). */
  readonly maxSettleDelaySeconds: number;
  /** After this many checks of an unfinished change, the check fails into the dead-letter queue. */
  readonly maxSettleAttempts: number;
  /** Lost conditional writes retried (re-read, recompute) before giving up to the queue's retry. */
  readonly maxConflictRetries: number;
  /**
   * How far ahead of the function's clock an event's eventTime may be. Further is no clock skew but a forgery:
   * stored, its time would outrank every later real event (a tag grant keeps the latest), so it is rejected, counted.
   */
  readonly maxEventAheadSeconds: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  settleDelaySeconds: 30,
  maxSettleDelaySeconds: 300,
  // 30 s, 60, 120, 240, then every 300 s: 40 checks cover about three hours, far beyond any EKS update.
  maxSettleAttempts: 40,
  maxConflictRetries: 8,
  maxEventAheadSeconds: 300,
};

export interface PipelineDeps {
  readonly store: StateStore;
  /** Every message, to the topic it names: the use-cases speak on "alerts" (voice/envelope.ts). */
  readonly publisher: Publisher;
  readonly eks: EksPort;
  readonly settleQueue: SettleQueue;
  readonly policy: Policy;
  readonly now: () => Date;
  readonly logger: Logger;
  /** The rule set; defaults to the registry. */
  readonly rules?: readonly Rule[];
  readonly settings?: Partial<PipelineSettings>;
  /** The remediation ports; absent: nothing is ever remediated, whatever the policy says. */
  readonly remediation?: RemediationDeps;
  /** Deliverers of every committed judgement after the alerts topic (the Security Hub export when enabled). */
  readonly deliverers?: readonly Deliverer[];
  /**
   * Set by a caller that judges many clusters in one invocation (the sweep): staged exports are collected here and
   * sent in batches instead of after each judgement. Absent (real time, settle): each judgement sends its own at once.
   */
  readonly deferStaged?: DeferredStagedSends;
  /**
   * The account the deployment runs in. Set: an event of an account that is neither this one nor in policy.accounts
   * is dropped and counted (it would be read with this account's credentials, by name: another cluster, or none).
   */
  readonly deploymentAccount?: string;
}

export function settingsOf(deps: Pick<PipelineDeps, "settings">): PipelineSettings {
  return { ...DEFAULT_PIPELINE_SETTINGS, ...deps.settings };
}

export function rulesOf(deps: Pick<PipelineDeps, "rules">): readonly Rule[] {
  return deps.rules ?? registeredRules;
}

/** The evaluation context of a collected cluster at `now`: the catalogues it was read with. */
export function contextOf(collected: CollectedCluster, now: Date): EvaluationContext {
  return {
    now,
    ...(collected.versions && { versions: collected.versions }),
    ...(collected.addonVersions && { addonVersions: collected.addonVersions }),
    ...(collected.amiReleases && { amiReleases: collected.amiReleases }),
  };
}
