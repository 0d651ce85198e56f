// The live evaluation every path shares (docs/design.md steps 4-6): read the cluster, evaluate the rules, plan the
// state on the stored records, and let the kernel (judgement.ts) commit and deliver it. A cluster EKS no longer knows
// has its state closed; a view older than the one stored is recorded in the history, never written over it.

import { ClusterNotFound } from "../errors.ts";
import { evaluate } from "../engine.ts";
import { EXEMPTION_TAG } from "../exemptions.ts";
import { REMEDIATION_TAG } from "../monitor-tags.ts";
import type { AlertCause, ClusterIdentity, ClusterSnapshot, Finding, Rule, TagGrant } from "../model.ts";
import { readsFor, rules as registeredRules } from "../rules/index.ts";
import { planClose, planEvaluation, type Transition } from "../state/transitions.ts";
import { historyEntry, judge, NOT_FOUND, recordHistory, type JudgedCluster, type Origin } from "./judgement.ts";
import { contextOf, rulesOf, type CollectedCluster, type PipelineDeps } from "./ports.ts";

export interface LiveOutcome {
  readonly status: "evaluated" | "stale" | "cluster-not-found";
  readonly findings: readonly Finding[];
  readonly transitions: readonly Transition[];
  readonly notified: readonly Transition[];
  /** The live cluster the findings were computed from (absent when it was not found). */
  readonly snapshot?: ClusterSnapshot;
  /** What the evaluation read (absent when the cluster was not found): the sweep and the digest report on it. */
  readonly collected?: CollectedCluster;
}

/** What one read of the live cluster found: when it was read, and what the rules make of it. */
interface LiveView {
  readonly observedAt: Date;
  readonly evaluatedAt: Date;
  readonly collected: CollectedCluster;
  readonly findings: readonly Finding[];
  readonly judged: JudgedCluster;
}

/** Every rule id an exemption may name: the registry's and the deployment's, also when only some of them run. */
function knownRuleIds(deps: PipelineDeps): string[] {
  return [...new Set([...registeredRules, ...rulesOf(deps)].map((rule) => rule.id))];
}

/**
 * Who set the cluster's exemption tag, read only when it has one (no extra call for the others): every evaluation
 * checks the setter against the policy again, so a change of policy.exemptions.tags takes effect at the next one.
 */
export async function tagGrantFor(deps: PipelineDeps, snapshot: Pick<ClusterSnapshot, "arn" | "tags">): Promise<TagGrant | undefined> {
  return Object.hasOwn(snapshot.tags, EXEMPTION_TAG) ? deps.store.readTagGrant(snapshot.arn) : undefined;
}

/**
 * Who set the cluster's remediation override tag, read only when it has one and remediation is on (no extra call
 * otherwise): checked against policy.remediation.overrideTags wherever remediation is decided or told.
 */
export async function overrideGrantFor(deps: PipelineDeps, snapshot: Pick<ClusterSnapshot, "arn" | "tags">): Promise<TagGrant | undefined> {
  if (deps.policy.remediation.mode === "off" || !Object.hasOwn(snapshot.tags, REMEDIATION_TAG)) return undefined;
  return deps.store.readTagGrant(snapshot.arn, REMEDIATION_TAG);
}

/** The cluster as judged, for the remediated rule's alerts: its tags and who set the override tag. */
export async function judgedCluster(deps: PipelineDeps, snapshot: Pick<ClusterSnapshot, "arn" | "tags">): Promise<JudgedCluster> {
  const overrideGrant = await overrideGrantFor(deps, snapshot);
  return { tags: snapshot.tags, ...(overrideGrant ? { overrideGrant } : {}) };
}

/** Closes the cluster's state (deleted): records kept and marked closed, history says why. */
export async function closeCluster(deps: PipelineDeps, cluster: ClusterIdentity, cause: AlertCause, kind: "closed" | "cluster-not-found", origin: Origin = {}): Promise<void> {
  await judge(deps, cluster, origin, {
    plan(records) {
      const now = deps.now();
      return { plan: planClose(records, { now, ...(cause.eventId ? { eventId: cause.eventId } : {}) }), at: now, kind, cause };
    },
  });
}

/**
 * Evaluates the live cluster and persists it; `settles` names the intent event this evaluation follows up. `rules`
 * (default: every rule of the deployment) are the rules to re-evaluate: only their data is read, and only their
 * stored records change; the others keep their state.
 */
export async function evaluateLive(
  deps: PipelineDeps,
  cluster: ClusterIdentity,
  cause: AlertCause,
  options: { settles?: string; updateStatus?: string; note?: string; rules?: readonly Rule[] } = {},
  origin: Origin = {},
): Promise<LiveOutcome> {
  const rules = options.rules ?? rulesOf(deps);
  const judged = await judge(deps, cluster, origin, {
    async observe(): Promise<LiveView | typeof NOT_FOUND> {
      const observedAt = deps.now();
      let collected: CollectedCluster;
      try {
        collected = await deps.eks.collect(cluster, readsFor(rules));
      } catch (error) {
        if (!(error instanceof ClusterNotFound)) throw error;
        return NOT_FOUND;
      }
      const evaluatedAt = deps.now();
      const tagGrant = await tagGrantFor(deps, collected.snapshot);
      const findings = evaluate(collected.snapshot, deps.policy, { ...contextOf(collected, evaluatedAt), ruleIds: knownRuleIds(deps), ...(tagGrant ? { tagGrant } : {}) }, rules);
      return { observedAt, evaluatedAt, collected, findings, judged: await judgedCluster(deps, collected.snapshot) };
    },
    plan(records, { observedAt, evaluatedAt, collected, findings, judged }) {
      const plan = planEvaluation(records, findings, {
        now: evaluatedAt,
        observedAt,
        ...(cause.eventId ? { eventId: cause.eventId } : {}),
        ...(options.settles ? { settles: options.settles } : {}),
        ...(options.updateStatus ? { updateStatus: options.updateStatus } : {}),
        // A call judged as it lands (a tag, a change EKS applied at once) may flap: its repeats are coalesced.
        hold: cause.trigger === "event" && options.settles === undefined && cause.remediation === undefined,
      });
      return { plan, at: evaluatedAt, kind: "evaluation", cause, findings, ...(options.note ? { note: options.note } : {}), judged };
    },
  });

  switch (judged.kind) {
    case "not-found":
      deps.logger.info("cluster not found: closing its state", { clusterArn: cluster.arn });
      await closeCluster(deps, cluster, cause, "cluster-not-found", origin);
      return { status: "cluster-not-found", findings: [], transitions: [], notified: [] };
    case "stale": {
      // A newer read of the cluster is already stored: this older view must not overwrite it.
      const { findings, collected } = judged.observed;
      deps.logger.info("a newer evaluation is already stored: nothing written", { clusterArn: cluster.arn });
      await recordHistory(deps, origin, historyEntry(cluster, deps.now(), "evaluation", cause, { findings, transitions: [], notify: [] }, { note: "stale view, not stored" }));
      return { status: "stale", findings, transitions: [], notified: [], snapshot: collected.snapshot, collected };
    }
    case "planned": {
      const { findings, collected } = judged.observed;
      const { transitions, notify } = judged.judgement.plan;
      return { status: "evaluated", findings, transitions, notified: notify, snapshot: collected.snapshot, collected };
    }
  }
}
