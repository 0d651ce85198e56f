// The contracts between the parts of EKS Warden (docs/design.md, Contracts).
// Everything here is plain data: no AWS SDK types leak past the adapters in ./aws/.

import type { Actor } from "./events/cloudtrail.ts";

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ["PASS", "FAIL", "EXEMPT", "NOT_APPLICABLE", "ERROR"] as const;
export type FindingStatus = (typeof STATUSES)[number];

/** Higher is worse. INFO is 0 so that "at or above LOW" comparisons read naturally. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { INFO: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export interface ClusterIdentity {
  /** The cluster ARN is the identity: arn:<partition>:eks:<region>:<account>:cluster/<name>. */
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

export interface EndpointAccess {
  readonly publicAccess: boolean;
  readonly privateAccess: boolean;
  /** Always present: AWS's meaning of a missing list is ["0.0.0.0/0"]. Empty only when public access is off. */
  readonly publicAccessCidrs: readonly string[];
  /** Which of the three came from the record and which took AWS's default, so evidence can say so. */
  readonly defaulted: { readonly publicAccess: boolean; readonly privateAccess: boolean; readonly publicAccessCidrs: boolean };
}

export interface ClusterLoggingState {
  /** Log types switched on (api, audit, authenticator, controllerManager, scheduler). */
  readonly enabledTypes: readonly string[];
  readonly disabledTypes: readonly string[];
}

export type SupportType = "STANDARD" | "EXTENDED";

export interface NodegroupSnapshot {
  readonly name: string;
  readonly arn?: string;
  readonly status?: string;
  /** Kubernetes minor version of the node group, e.g. "1.30". */
  readonly version?: string;
  /** AMI release version, e.g. "1.30.4-20240917". */
  readonly releaseVersion?: string;
  /** AL2_x86_64, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64, CUSTOM, ... */
  readonly amiType?: string;
  readonly launchTemplate?: { readonly id?: string; readonly name?: string; readonly version?: string };
}

export interface AddonSnapshot {
  readonly name: string;
  readonly version: string;
  readonly status?: string;
  readonly healthIssues: readonly { readonly code?: string; readonly message?: string }[];
}

export interface ClusterVersionInfo {
  /** Kubernetes minor version, e.g. "1.30". */
  readonly version: string;
  readonly status: "STANDARD_SUPPORT" | "EXTENDED_SUPPORT" | "UNSUPPORTED";
  readonly releaseDate?: Date;
  readonly endOfStandardSupportDate?: Date;
  readonly endOfExtendedSupportDate?: Date;
  readonly defaultVersion?: boolean;
}

/** The version catalogue (DescribeClusterVersions), never a hard-coded list. */
export interface VersionCatalogue {
  readonly versions: readonly ClusterVersionInfo[];
  /** When the catalogue was read; rules compare dates against the evaluation clock, not this. */
  readonly retrievedAt?: Date;
}

export interface ClusterSnapshot extends ClusterIdentity {
  readonly status: string;
  /** Kubernetes minor version, e.g. "1.30". Undefined only when the record had none. */
  readonly version?: string;
  readonly platformVersion?: string;
  readonly createdAt?: Date;
  readonly endpoint: EndpointAccess;
  readonly logging: ClusterLoggingState;
  /** Undefined when the record has no upgradePolicy: AWS then applies EXTENDED. */
  readonly supportType?: SupportType;
  readonly tags: Readonly<Record<string, string>>;
  readonly nodegroups?: readonly NodegroupSnapshot[];
  readonly addons?: readonly AddonSnapshot[];
}

export interface Remediation {
  /** What to do, in one or two sentences. */
  readonly text: string;
  /** The exact AWS CLI command, with the cluster's name and region filled in where the finding has them. */
  readonly command: string;
}

export type Evidence = Readonly<Record<string, unknown>>;

export interface Finding {
  readonly ruleId: string;
  readonly clusterArn: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  /** One sentence naming the cluster, ending with a period. */
  readonly message: string;
  readonly evidence: Evidence;
  readonly remediation: Remediation;
  /** Set on EXEMPT findings, and on FAILs whose exemption expired. */
  readonly exemption?: { readonly until: string; readonly reason: string; readonly source: "tag" | "policy"; readonly expired: boolean };
}

/** What the rules need besides the snapshot and the policy. */
export interface EvaluationContext {
  /** The evaluation clock: rules never read the system time. */
  readonly now: Date;
  /** Absent when the catalogue could not be read: version rules then report ERROR. */
  readonly versions?: VersionCatalogue;
  /** The ids of every known rule; the engine fills it in, so exemption-tag-valid can flag a tag naming no rule. */
  readonly ruleIds?: readonly string[];
}

export type RemediationMode = "off" | "dry-run" | "enforce";
export type RemediationAction = "private" | "restrict-to-allowlist";

export interface PolicyExemption {
  /** A cluster ARN, or a cluster name (matches that name in every account and region). */
  readonly cluster: string;
  readonly rules: readonly string[];
  /** YYYY-MM-DD: the exemption holds through the end of that day, UTC. */
  readonly until: string;
  readonly reason: string;
}

/** Deployment configuration, after validation and defaults (see policy.ts for the schema). */
export interface Policy {
  readonly remediation: { readonly mode: RemediationMode; readonly action: RemediationAction };
  readonly endpoint: {
    /** Public CIDRs the organisation accepts (office egress, VPN). IPv4 or IPv6. */
    readonly allowedPublicCidrs: readonly string[];
    /** Default false: the premise is private only, so even allowlisted public access is a MEDIUM finding. */
    readonly allowlistedPublicAccessPasses: boolean;
  };
  readonly versions: {
    /** Days before the end of standard support from which version-support warns. */
    readonly warningWindowDays: number;
    /** Minor versions a cluster may lag behind the newest standard-support version. */
    readonly allowedMinorVersionsBehind: number;
  };
  readonly regions: readonly string[];
  readonly accounts: readonly { readonly id: string; readonly roleArn?: string }[];
  readonly schedules: { readonly digest: string; readonly sweep: string };
  readonly exemptions: readonly PolicyExemption[];
  /** Control-plane prices the digest uses for extended-support cost exposure (default: AWS list prices). */
  readonly pricing: { readonly standardPerClusterHourUsd: number; readonly extendedPerClusterHourUsd: number };
  readonly alertEmails: readonly string[];
}

/** A compliance rule: one file in ./rules/, whose name is its id. */
export interface Rule {
  /** kebab-case, stable forever: stored state and exemptions refer to it. */
  readonly id: string;
  /** A statement of the bad condition's absence, not "Ensure ...". */
  readonly title: string;
  readonly severity: Severity;
  /** e.g. "CIS-EKS 5.4.2", "FSBP EKS.1". */
  readonly frameworks: readonly string[];
  /** The IAM actions the data this rule reads needs, e.g. "eks:DescribeCluster". */
  readonly permissions: readonly string[];
  /** Why it matters: the rule's risk prose, used in alerts and the digest. */
  readonly risk: string;
  readonly remediation: (snapshot: ClusterIdentity) => Remediation;
  /** Pure: the same inputs give the same findings. May throw: the engine turns a throw into ERROR. */
  readonly evaluate: (snapshot: ClusterSnapshot, policy: Policy, context: EvaluationContext) => Finding[];
}

/** What caused an evaluation (the CloudTrail call, its settle check, or a sweep): kept in history, told in alerts. */
export interface AlertCause {
  readonly trigger: "event" | "settle" | "intent" | "sweep";
  readonly eventId?: string;
  readonly eventName?: string;
  readonly actor?: Actor;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly eventTime?: Date;
}
