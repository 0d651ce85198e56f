// The Security Hub export as a staged deliverer of the judgement kernel (pipeline/judgement.ts): each committed
// judgement's changed findings are planned with the state, written in its outbox entry, and imported after the
// write; what Security Hub did not take stays in the entry and is sent again (docs/security-hub.md).

import type { ClusterIdentity, Rule } from "../model.ts";
import type { StagedChange, StagedDeliverer } from "../pipeline/ports.ts";
import { rules as registeredRules } from "../rules/index.ts";
import type { RecordWrite, StoredRuleState } from "../state/transitions.ts";
import { asffFinding, contentOf, productFor, type AsffFinding, type SecurityHubProduct } from "./finding.ts";

/** Imports findings into Security Hub in a region (the AWS adapter: aws/securityhub.ts; the local run prints them too). */
export interface FindingsImporter {
  /** Every finding imported, or a typed error naming those that were not (FindingsNotImported, with `unsent`). */
  importFindings(region: string, findings: readonly AsffFinding[]): Promise<void>;
}

export interface SecurityHubSettings {
  /** The account the monitor runs in: the default product's, and every finding's AwsAccountId. */
  readonly account: string;
  /** The deployment's region: where findings go when `regions` is empty. */
  readonly home: string;
  /** policy.securityHub.regions. */
  readonly regions: readonly string[];
}

/** The name its staged findings are kept under in an outbox entry. */
export const SECURITY_HUB_EXPORT = "securityHub";

/**
 * The findings a judgement changes: one per written record whose finding says something new. A finding that is
 * archived and never was active (a check that has passed, or not applied, since it was first seen) is not imported:
 * Security Hub would only store it archived.
 */
export function changedFindings(cluster: ClusterIdentity, previous: readonly StoredRuleState[], writes: readonly RecordWrite[], product: SecurityHubProduct, rules: readonly Rule[] = registeredRules): AsffFinding[] {
  const changed: AsffFinding[] = [];
  for (const { record } of writes) {
    const rule = rules.find((candidate) => candidate.id === record.ruleId);
    const after = asffFinding(record, rule, product, cluster);
    const stored = previous.find((candidate) => candidate.ruleId === record.ruleId);
    const before = stored ? asffFinding(stored, rule, product, cluster) : undefined;
    if (before !== undefined && contentOf(before) === contentOf(after)) continue;
    if (after.RecordState === "ARCHIVED" && (before === undefined || before.RecordState === "ARCHIVED")) continue;
    changed.push(after);
  }
  return changed;
}

/** The region of a finding's product ARN (arn:<partition>:securityhub:<region>:...), where it must be imported. */
export function importRegionOf(finding: Pick<AsffFinding, "ProductArn">): string | undefined {
  return /^arn:[\w-]+:securityhub:([a-z0-9-]+):\d{12}:product\//.exec(finding.ProductArn)?.[1];
}

/** A staged item read back from the outbox (a table item: untrusted) that has the shape of a finding to import. */
function isFinding(item: unknown): item is AsffFinding {
  if (item === null || typeof item !== "object") return false;
  const candidate = item as Partial<AsffFinding>;
  return typeof candidate.Id === "string" && typeof candidate.ProductArn === "string" && importRegionOf(candidate as AsffFinding) !== undefined;
}

export class SecurityHubExport implements StagedDeliverer {
  readonly name = SECURITY_HUB_EXPORT;
  readonly #importer: FindingsImporter;
  readonly #settings: SecurityHubSettings;
  readonly #rules: readonly Rule[];

  constructor(importer: FindingsImporter, settings: SecurityHubSettings, rules: readonly Rule[] = registeredRules) {
    this.#importer = importer;
    this.#settings = settings;
    this.#rules = rules;
  }

  stage(cluster: ClusterIdentity, change: StagedChange): AsffFinding[] {
    return changedFindings(cluster, change.previous, change.plan.writes, productFor(cluster, this.#settings), this.#rules);
  }

  /** Imports the findings, grouped by the region of their product; every region is tried, the first failure thrown. */
  async send(_cluster: ClusterIdentity, items: readonly unknown[]): Promise<void> {
    const byRegion = new Map<string, AsffFinding[]>();
    for (const item of items) {
      // Not a finding: nothing Security Hub could take; it is left out rather than retried forever.
      if (!isFinding(item)) continue;
      const region = importRegionOf(item)!;
      byRegion.set(region, [...(byRegion.get(region) ?? []), item]);
    }
    let firstFailure: unknown;
    const unsent: unknown[] = [];
    for (const [region, findings] of byRegion) {
      try {
        await this.#importer.importFindings(region, findings);
      } catch (error) {
        firstFailure ??= error;
        const left = (error as { unsent?: unknown }).unsent;
        unsent.push(...(Array.isArray(left) && left.length > 0 ? left : findings));
      }
    }
    if (firstFailure !== undefined) throw Object.assign(firstFailure as object, { unsent });
  }
}
