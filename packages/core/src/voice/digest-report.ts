// What the weekly digest says, as data (docs/design.md, Data flow 8): built from a sweep by digest/build.ts, rendered
// by voice/digest.ts, stored as JSON beside its HTML page. Consumed generically: findings by ruleId, status, severity
// and evidence, so rules added later appear without changes here.

import type { FindingStatus, Severity } from "../model.ts";

export const DIGEST_PAYLOAD_VERSION = 1;

/** Exemptions ending within this many days are called out (exemptionsExpiring). */
export const EXEMPTION_NOTICE_DAYS = 14;

export type SupportState = "STANDARD_SUPPORT" | "EXTENDED_SUPPORT" | "UNSUPPORTED" | "UNKNOWN";

export interface DigestFinding {
  readonly ruleId: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  /** Absent in the published summary's FAIL and ERROR lists (the full report has it). */
  readonly message?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

export interface DigestExemption {
  readonly ruleId: string;
  readonly until: string;
  readonly reason: string;
  readonly source: "tag" | "policy";
  readonly daysLeft: number;
}

/** An exemption in force, with the severity of the finding it hides. */
export interface DigestExemptFinding extends DigestExemption {
  readonly severity: Severity;
}

/**
 * A principal holding cluster-wide admin power (access-cluster-admin's evidence): what it holds, since when, and
 * whether the policy allows it. `flagged`: not in policy.access.admins (or an IAM user); the finding's severity then.
 */
export interface DigestAdmin {
  readonly principalArn: string;
  /** "AmazonEKSClusterAdminPolicy (cluster)", "AmazonEKSAdminPolicy (cluster)", "system:masters". */
  readonly holds: readonly string[];
  /** The newest time it gained admin power (its newest admin association, else the entry's creation). */
  readonly grantedAt?: string;
  readonly allowlisted: boolean;
  readonly outsideOwnAccounts: boolean;
  readonly flagged?: Severity;
}

export interface DigestCluster {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly version?: string;
  readonly support: {
    readonly state: SupportState;
    readonly endOfStandardSupport?: string;
    readonly endOfExtendedSupport?: string;
    /** Days to the next end of support: standard while in standard support, extended while in extended support. */
    readonly daysToEnd?: number;
    /** The upgrade policy: EXTENDED (AWS's default) keeps the cluster, at the extended price, after standard support. */
    readonly supportType?: "STANDARD" | "EXTENDED";
  };
  readonly cost: {
    /** What the control plane costs now, per cluster-hour, in USD. */
    readonly perClusterHourUsd: number;
    /** Extra per month (730 cluster-hours, pricing.ts) over the standard price, now (in extended support) or from `from` (upgrade policy EXTENDED). */
    readonly extendedExtraMonthlyUsd: number;
    readonly from?: string;
  };
  /** The worst severity among its FAIL findings. */
  readonly worstSeverity?: Severity;
  readonly failing: readonly DigestFinding[];
  readonly errors: readonly DigestFinding[];
  readonly nodegroupsBehind: readonly DigestFinding[];
  readonly addonsBehind: readonly DigestFinding[];
  readonly endpoint: readonly DigestFinding[];
  /** Every exemption in force, worst hidden severity first: an exempt cluster is listed with what it hides. */
  readonly exempt: readonly DigestExemptFinding[];
  /** Those of `exempt` that end within 14 days, soonest first. */
  readonly exemptionsExpiring: readonly DigestExemption[];
  readonly nodegroups?: number;
  readonly addons?: number;
  /** Who holds cluster admin, newest grants first; absent when access-cluster-admin did not judge the cluster. */
  readonly admins?: readonly DigestAdmin[];
}

export interface DigestChangeFinding {
  readonly clusterArn: string;
  readonly cluster: string;
  readonly region: string;
  readonly ruleId: string;
  readonly severity: Severity;
}

export interface DigestClusterRef {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
}

export interface DigestReport {
  readonly kind: "digest";
  readonly version: typeof DIGEST_PAYLOAD_VERSION;
  readonly week: string;
  readonly generatedAt: string;
  /** The week compared with; absent for the first digest (the baseline). */
  readonly previousWeek?: string;
  readonly headline: {
    readonly clusters: number;
    readonly regions: number;
    readonly clustersFailing: number;
    readonly unsupported: number;
    readonly extendedSupport: number;
    readonly findingsOpened: number;
    readonly findingsClosed: number;
    readonly clustersAdded: number;
    readonly clustersRemoved: number;
    readonly versionsUpgraded: number;
    readonly exemptionsExpiring: number;
    readonly couldNotRead: number;
    /** Extra over the standard price per month (730 cluster-hours, pricing.ts), for the clusters in extended support now. */
    readonly extendedSupportMonthlyUsd: number;
  };
  readonly changes: {
    readonly opened: readonly DigestChangeFinding[];
    readonly closed: readonly DigestChangeFinding[];
    readonly added: readonly DigestClusterRef[];
    readonly removed: readonly DigestClusterRef[];
    readonly upgraded: readonly (DigestClusterRef & { readonly from?: string; readonly to?: string })[];
  };
  /** Most urgent first: unsupported, then the worst severity, then days to the end of support (byUrgency). */
  readonly clusters: readonly DigestCluster[];
  readonly couldNotRead: {
    /** Member accounts whose role could not be assumed: none of their regions was read. */
    readonly accounts: readonly { readonly account: string; readonly roleArn?: string; readonly problem: string }[];
    /** Regions that could not be listed (of a member account when `account` is set). */
    readonly regions: readonly { readonly region: string; readonly account?: string; readonly problem: string }[];
    readonly clusters: readonly (DigestClusterRef & { readonly problem: string })[];
  };
  readonly pricing: { readonly standardPerClusterHourUsd: number; readonly extendedPerClusterHourUsd: number };
}

/**
 * What each digest run keeps of its week for the report's history chart (pk DIGEST_COUNTS, sk WEEK#<iso week>): the
 * open (FAIL) findings by severity, counted from the week's snapshot (clusters that could not be read keep last week's).
 */
export interface DigestWeekCounts {
  readonly week: string;
  readonly generatedAt: string;
  readonly clusters: number;
  readonly open: Readonly<Record<Severity, number>>;
}
