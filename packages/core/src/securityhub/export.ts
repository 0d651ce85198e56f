// The Security Hub export as a staged deliverer of the judgement kernel (pipeline/judgement.ts): each committed
// judgement's changed findings are planned with the state, written in its outbox entry, and imported after the
// write; what Security Hub did not take stays in the entry and is sent again (docs/security-hub.md).

import { WardenError } from "../errors.ts";
import { STATUSES, type ClusterIdentity, type Rule } from "../model.ts";
import type { StagedChange, StagedDeliverer, StagedGroup, StagedGroupsSent } from "../pipeline/ports.ts";
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

/** A staged item read back from the outbox (a table item: untrusted) that has the shape of a stored record. */
function isRecord(item: unknown): item is StoredRuleState {
  if (item === null || typeof item !== "object") return false;
  const candidate = item as Partial<StoredRuleState>;
  return (
    typeof candidate.clusterArn === "string" &&
    typeof candidate.ruleId === "string" &&
    typeof candidate.status === "string" &&
    (STATUSES as readonly string[]).includes(candidate.status) &&
    typeof candidate.severity === "string" &&
    typeof candidate.message === "string" &&
    typeof candidate.since === "string" &&
    typeof candidate.observedAt === "string" &&
    typeof candidate.updatedAt === "string"
  );
}

/** Stands in for the account when only the content of two findings is compared (it is the same in both). */
const ANY_ACCOUNT = "000000000000";

/**
 * The Security Hub export. `stage` keeps the records whose finding changed (the account is not needed to compare);
 * `send` builds their findings for the caller's account, read once (`account`: STS GetCallerIdentity in Lambda,
 * since Security Hub takes a default product's findings only for the account that calls), and imports them.
 */
export class SecurityHubExport implements StagedDeliverer {
  readonly name = SECURITY_HUB_EXPORT;
  readonly #importer: FindingsImporter;
  readonly #settings: Omit<SecurityHubSettings, "account"> & { readonly account: string | (() => Promise<string>) };
  readonly #rules: readonly Rule[];
  #account: Promise<string> | undefined;

  constructor(importer: FindingsImporter, settings: Omit<SecurityHubSettings, "account"> & { readonly account: string | (() => Promise<string>) }, rules: readonly Rule[] = registeredRules) {
    this.#importer = importer;
    this.#settings = settings;
    this.#rules = rules;
  }

  stage(cluster: ClusterIdentity, change: StagedChange): StoredRuleState[] {
    const changed = new Set(changedFindings(cluster, change.previous, change.plan.writes, productFor(cluster, { ...this.#settings, account: ANY_ACCOUNT }), this.#rules).map((finding) => finding.GeneratorId));
    return change.plan.writes.map((write) => write.record).filter((record) => changed.has(record.ruleId));
  }

  /** The findings of staged records, as they are sent. */
  async findingsOf(cluster: ClusterIdentity, items: readonly unknown[]): Promise<AsffFinding[]> {
    const account = typeof this.#settings.account === "string" ? this.#settings.account : await (this.#account ??= this.#settings.account().catch((error: unknown) => {
      this.#account = undefined;
      throw error;
    }));
    const product = productFor(cluster, { ...this.#settings, account });
    // Not a record: nothing Security Hub could be told; it is left out rather than retried forever.
    return items.filter(isRecord).map((record) => asffFinding(record, this.#rules.find((rule) => rule.id === record.ruleId), product, cluster));
  }

  /** Imports the findings of the staged records, grouped by the region of their product. */
  async send(cluster: ClusterIdentity, items: readonly unknown[]): Promise<void> {
    const { unsent, failure } = await this.sendMany([{ cluster, items }]);
    if (failure === undefined) return;
    throw new SecurityHubExportIncomplete((unsent[0] ?? []) as StoredRuleState[], failure);
  }

  /**
   * Imports the findings of several judgements' staged records (of any clusters) together: one list per region of
   * their product, which the importer sends 100 a call. Says per group which records' findings were not imported.
   */
  async sendMany(groups: readonly StagedGroup[]): Promise<StagedGroupsSent> {
    const byRegion = new Map<string, AsffFinding[]>();
    // Each record with the Id of its finding, per group (not a record: left out, see findingsOf).
    const sentAs: { record: StoredRuleState; id: string }[][] = [];
    for (const { cluster, items } of groups) {
      const records = items.filter(isRecord);
      const findings = await this.findingsOf(cluster, records);
      sentAs.push(records.map((record, index) => ({ record, id: findings[index]!.Id })));
      for (const finding of findings) {
        const region = importRegionOf(finding)!;
        const list = byRegion.get(region);
        if (list) list.push(finding);
        else byRegion.set(region, [finding]);
      }
    }
    let failure: unknown;
    const unsentIds = new Set<string>();
    for (const [region, batch] of byRegion) {
      try {
        await this.#importer.importFindings(region, batch);
      } catch (error) {
        failure ??= error;
        const left = (error as { unsent?: unknown }).unsent;
        for (const finding of Array.isArray(left) && left.length > 0 ? (left as AsffFinding[]) : batch) unsentIds.add(finding.Id);
      }
    }
    // What is kept to send again is the records of the findings not imported.
    const unsent = sentAs.map((records) => records.filter(({ id }) => unsentIds.has(id)).map(({ record }) => record));
    return { unsent, ...(failure !== undefined ? { failure } : {}) };
  }
}

/** Some staged records' findings were not imported: `unsent` are those records (the kernel keeps them to send again). */
export class SecurityHubExportIncomplete extends WardenError {
  constructor(
    readonly unsent: readonly StoredRuleState[],
    cause: unknown,
  ) {
    super(`Security Hub export incomplete (${unsent.length} finding(s) kept to send again): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
