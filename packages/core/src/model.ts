// The contracts between the parts of EKS Warden (docs/design.md, Contracts).
// Everything here is plain data: no AWS SDK types leak past the adapters in ./aws/.

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ["PASS", "FAIL", "EXEMPT", "NOT_APPLICABLE", "ERROR"] as const;
export type FindingStatus = (typeof STATUSES)[number];

/** Higher is worse. INFO is 0 so that "at or above LOW" comparisons read naturally. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { INFO: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Who made an AWS call, as CloudTrail records it (userIdentity), less what must never reach an alert. */
export interface Actor {
  /** CloudTrail identity type: IAMUser, AssumedRole, Root, AWSService, FederatedUser, ... */
  readonly type: string;
  readonly arn?: string;
  readonly principalId?: string;
  readonly userName?: string;
  /** For assumed roles: the role the session came from. */
  readonly sessionIssuer?: { readonly arn?: string; readonly userName?: string; readonly type?: string };
  /** For calls a service made on someone's behalf (e.g. the console's backend). */
  readonly invokedBy?: string;
  // accessKeyId is deliberately not kept: it is a credential identifier and must never reach an alert.
}

/** The endpoint configuration an accepted call asked for, in DescribeCluster's field names. */
export interface EndpointConfigIntent {
  readonly endpointPublicAccess?: boolean;
  readonly endpointPrivateAccess?: boolean;
  readonly publicAccessCidrs?: readonly string[];
}

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

/** A Kubernetes API that an insight found still called although the next version stops serving it. */
export interface InsightDeprecation {
  /** The deprecated API, e.g. "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas". */
  readonly usage: string;
  readonly replacedWith?: string;
  readonly stopServingVersion?: string;
  readonly startServingReplacementVersion?: string;
  /** Who still calls it: user agent, requests in the last 30 days, last request. */
  readonly clientStats: readonly { readonly userAgent?: string; readonly numberOfRequestsLast30Days?: number; readonly lastRequestTime?: Date }[];
}

/** What DescribeInsight adds to an insight's summary: what to do about it, and what it found. */
export interface InsightDetails {
  readonly recommendation?: string;
  /** Links to sources of more context, by title. */
  readonly additionalInfo: Readonly<Record<string, string>>;
  /** The Kubernetes resources or AWS resources (node groups, add-ons) the insight judged, each with its status. */
  readonly resources: readonly { readonly kubernetesResourceUri?: string; readonly arn?: string; readonly status?: string; readonly reason?: string }[];
  readonly deprecations: readonly InsightDeprecation[];
  /** Add-ons and the versions of them compatible with the next Kubernetes version. */
  readonly addonCompatibility: readonly { readonly name: string; readonly compatibleVersions: readonly string[] }[];
}

/** The statuses of an insight that has something to fix: the only ones whose details (DescribeInsight) are read. */
export const FAILING_INSIGHT_STATUSES: ReadonlySet<string> = new Set(["ERROR", "WARNING"]);

/** An EKS upgrade insight (ListInsights, category UPGRADE_READINESS) as the rules read it. */
export interface InsightSnapshot {
  readonly id: string;
  readonly name: string;
  readonly category?: string;
  /** The Kubernetes version the insight checks readiness for, e.g. "1.34". */
  readonly kubernetesVersion?: string;
  /** PASSING, WARNING, ERROR or UNKNOWN. */
  readonly status: string;
  readonly reason?: string;
  readonly description?: string;
  readonly lastRefreshTime?: Date;
  /**
   * DescribeInsight's details. Read only for an insight in ERROR or WARNING (the only ones with something to fix), so
   * undefined for the others, and for a failing one whose DescribeInsight failed (`detailsUnreadable` says why).
   */
  readonly details?: InsightDetails;
  /** Why DescribeInsight of this insight failed (access denied, the insight gone), when it did. */
  readonly detailsUnreadable?: string;
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

/**
 * How the cluster authenticates IAM principals (DescribeCluster accessConfig). EKS's API default at creation is
 * CONFIG_MAP (the console's is API_AND_CONFIG_MAP) and the creator's bootstrap admin is on unless refused.
 */
export const AUTHENTICATION_MODES = ["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] as const;
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];

export interface AccessConfigState {
  /** Undefined when the record has no accessConfig (a cluster older than access entries: CONFIG_MAP). */
  readonly authenticationMode?: string;
  readonly bootstrapClusterCreatorAdminPermissions?: boolean;
}

/** Where an access policy applies: the whole cluster, or the namespaces listed. */
export interface AccessScope {
  readonly type: "cluster" | "namespace";
  readonly namespaces: readonly string[];
}

/** An access policy associated with an access entry (ListAssociatedAccessPolicies). */
export interface AccessPolicyAssociation {
  /** e.g. arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy */
  readonly policyArn: string;
  readonly accessScope: AccessScope;
  readonly associatedAt?: Date;
  readonly modifiedAt?: Date;
}

/** An access entry (DescribeAccessEntry) with the policies associated with it: who holds what power in the cluster. */
export interface AccessEntrySnapshot {
  /** The IAM principal (role or user) the entry is for. */
  readonly principalArn: string;
  /** STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, ... */
  readonly type?: string;
  readonly username?: string;
  readonly kubernetesGroups: readonly string[];
  readonly createdAt?: Date;
  readonly modifiedAt?: Date;
  readonly accessPolicies: readonly AccessPolicyAssociation[];
  /**
   * Why the entry or its policies could not be read (access denied, gone mid-read), when they could not: a rule that
   * needs them then reports ERROR, never PASS.
   */
  readonly unreadable?: string;
}

/** An identity provider associated with the cluster (DescribeIdentityProviderConfig); EKS has only OIDC ones. */
export interface IdentityProviderSnapshot {
  readonly name: string;
  readonly type: string;
  readonly issuerUrl?: string;
  readonly clientId?: string;
  readonly status?: string;
  /** Why the provider's configuration could not be read, when it could not (rules then ERROR). */
  readonly unreadable?: string;
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
  /** Upgrade-readiness insights; undefined when not read. */
  readonly insights?: readonly InsightSnapshot[];
  /** Undefined when the record has no accessConfig. */
  readonly accessConfig?: AccessConfigState;
  /** Access entries with their associated policies; undefined when not read. */
  readonly accessEntries?: readonly AccessEntrySnapshot[];
  /** Associated identity providers; undefined when not read. */
  readonly identityProviders?: readonly IdentityProviderSnapshot[];
}

/**
 * What an add-on's catalogue (DescribeAddonVersions) says for one Kubernetes version: the version EKS installs by
 * default and every version compatible with it.
 */
export interface AddonVersionInfo {
  readonly addonName: string;
  readonly kubernetesVersion: string;
  readonly defaultVersion?: string;
  readonly compatibleVersions: readonly string[];
}

/**
 * The latest AMI releases, by the SSM public parameter that publishes each (see ami.ts): the parameter's value, or
 * null when AWS publishes no such parameter (SSM InvalidParameters). A parameter absent from the record was not read.
 */
export type AmiReleases = Readonly<Record<string, string | null>>;

/**
 * The data a rule reads, each kind one or more AWS reads (permissions.ts DATA_KIND_ACTIONS gives their IAM
 * actions). The collector reads the union of what the rules that run declare, and nothing else.
 */
export const DATA_KINDS = ["cluster", "versionCatalogue", "nodegroups", "addons", "addonVersions", "amiReleases", "insights", "accessEntries", "identityProviders"] as const;
export type DataKind = (typeof DATA_KINDS)[number];

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
  /** Set on EXEMPT findings, on FAILs whose exemption expired, and on PASS findings an active exemption covers (armed). */
  readonly exemption?: FindingExemption;
}

export interface FindingExemption {
  readonly until: string;
  readonly reason: string;
  readonly source: "tag" | "policy";
  readonly expired: boolean;
  /** For a tag: the principal who set it (from its TagResource event). */
  readonly grantedBy?: string;
}

/**
 * Who set the exemption tag to which value, recorded from the TagResource (or CreateCluster) event that set it, and
 * re-checked against policy.exemptions.tags at every evaluation. `value` absent: the tag was removed.
 */
export interface TagGrant {
  readonly value?: string;
  /** The principals of the call, most specific first: the identity's ARN, then its session issuer's (the role). */
  readonly principals: readonly string[];
  /** The CloudTrail event time, ISO 8601. */
  readonly at: string;
  readonly eventId: string;
}

/** What the rules need besides the snapshot and the policy. */
export interface EvaluationContext {
  /** The evaluation clock: rules never read the system time. */
  readonly now: Date;
  /** Absent when the catalogue could not be read: version rules then report ERROR. */
  readonly versions?: VersionCatalogue;
  /** The add-on catalogue for the cluster's add-ons on its Kubernetes version; absent when not read. */
  readonly addonVersions?: readonly AddonVersionInfo[];
  /** The latest AMI releases for the cluster's node groups; absent when not read. */
  readonly amiReleases?: AmiReleases;
  /** The ids of every known rule; the engine fills it in, so exemption-tag-valid can flag a tag naming no rule. */
  readonly ruleIds?: readonly string[];
  /** The recorded setting of the exemption tag, when the cluster has one: who may exempt is checked against it. */
  readonly tagGrant?: TagGrant;
  /** The account EKS Warden is deployed in, when known: its principals are the organisation's own (access rules). */
  readonly deploymentAccount?: string;
}

export type RemediationMode = "off" | "dry-run" | "enforce";
export type RemediationAction = "private" | "restrict-to-allowlist";

export interface PolicyExemption {
  /** A cluster ARN (a bare name would match that name in every account and region, so the policy refuses it). */
  readonly cluster: string;
  readonly rules: readonly string[];
  /** YYYY-MM-DD: the exemption holds through the end of that day, UTC. */
  readonly until: string;
  readonly reason: string;
}

/** Deployment configuration, after validation and defaults (see policy.ts for the schema). */
export interface Policy {
  readonly remediation: {
    readonly mode: RemediationMode;
    readonly action: RemediationAction;
    /** UpdateClusterConfig calls per cluster in 24 h before remediation stops and reports a conflict (default 3). */
    readonly attemptsPerDay?: number;
    /**
     * IAM principal ARNs or glob patterns (`*`, `?`) who may set the per-cluster override tag eks-warden:remediation;
     * `["*"]` anyone, `[]` (the default) no one: a tag set by anyone else is ignored and the policy applies.
     */
    readonly overrideTags: readonly string[];
  };
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
  /**
   * Member accounts: read in `roleArn` (read-only), remediated in `remediationRoleArn`, each AssumeRole with the
   * external id: `externalId` inline (local use only), or read from the SSM SecureString parameter `externalIdParameter`.
   */
  readonly accounts: readonly { readonly id: string; readonly roleArn?: string; readonly remediationRoleArn?: string; readonly externalId?: string; readonly externalIdParameter?: string }[];
  readonly schedules: { readonly digest: string; readonly sweep: string };
  readonly exemptions: {
    /** The furthest an exemption tag's `until` may lie from the evaluation's now (default 90). */
    readonly maxDays: number;
    /**
     * IAM principal ARNs or glob patterns (`*`, `?`) whose exemption tags count; `["*"]` anyone, `[]` (the default)
     * no one, `false` tag exemptions off.
     */
    readonly tags: readonly string[] | false;
    readonly entries: readonly PolicyExemption[];
  };
  readonly access: {
    /**
     * IAM role or user ARNs, or glob patterns (`*`, `?`), allowed to hold cluster admin (access-cluster-admin). An IAM
     * user still fails HIGH when allowlisted: long-lived keys should not hold cluster admin.
     */
    readonly admins: readonly string[];
    /** OIDC issuer URLs allowed as cluster identity providers (access-identity-providers). */
    readonly identityProviders: readonly string[];
    /** Days after creation the creator's bootstrap admin may remain (access-creator-admin; default 7). */
    readonly creatorAdminMaxDays: number;
  };
  /** Control-plane prices the digest uses for extended-support cost exposure (default: AWS list prices). */
  readonly pricing: { readonly standardPerClusterHourUsd: number; readonly extendedPerClusterHourUsd: number };
  readonly alertEmails: readonly string[];
  /**
   * Export of every stored state change to AWS Security Hub (off by default). `regions`: the Security Hub regions
   * findings are imported in (a cluster's own region when listed, else the first); empty: the deployment's region.
   */
  readonly securityHub: { readonly enabled: boolean; readonly regions: readonly string[] };
}

/**
 * What a rule watches. The digest lists failures by area (endpoint, node groups, add-ons), and new areas (access,
 * governance) need no change elsewhere: nothing reads a rule's id to learn what it is about.
 */
export const RULE_AREAS = ["endpoint", "version", "nodegroup", "addon", "access", "governance"] as const;
export type RuleArea = (typeof RULE_AREAS)[number];

/** How a rule judges a configuration a call asks for, before EKS has applied it (the early "change in progress" alert). */
export interface IntentJudging {
  /**
   * Whether the endpoint settings the call states are enough to judge it when the live cluster cannot be read (the
   * intent is then judged from the CloudTrail event alone).
   */
  readonly fromEventAlone: (requested: EndpointConfigIntent) => boolean;
}

/** A compliance rule: one file in ./rules/, whose name is its id. */
export interface Rule {
  /** kebab-case, stable forever: stored state and exemptions refer to it. */
  readonly id: string;
  /** A statement of the bad condition's absence, not "Ensure ...". */
  readonly title: string;
  readonly severity: Severity;
  readonly area: RuleArea;
  /** Set on the rules a configuration call can break at once: they judge the call's intent before it is live. */
  readonly intent?: IntentJudging;
  /** e.g. "CIS-EKS 5.4.2", "FSBP EKS.1". */
  readonly frameworks: readonly string[];
  /** The data this rule reads: the collector reads the union of the running rules' `reads`, nothing more. */
  readonly reads: readonly DataKind[];
  /** The IAM actions the data this rule reads needs, e.g. "eks:DescribeCluster": actionsForReads(reads). */
  readonly permissions: readonly string[];
  /** Why it matters: the rule's risk prose, used in alerts and the digest. */
  readonly risk: string;
  readonly remediation: (snapshot: ClusterIdentity) => Remediation;
  /**
   * What is wrong, in a few words for an alert subject ("Kubernetes 1.33 in paid extended support since 2026-07-29"),
   * read from a failing finding's evidence (stored evidence too); undefined when the evidence does not say. While a
   * change is in progress (`inProgress`), it may say what the change is doing ("opening to ...").
   */
  readonly headline?: (failing: { readonly evidence: Evidence }, options?: { readonly inProgress?: boolean }) => string | undefined;
  /** Pure: the same inputs give the same findings. May throw: the engine turns a throw into ERROR. */
  readonly evaluate: (snapshot: ClusterSnapshot, policy: Policy, context: EvaluationContext) => Finding[];
}

/** A CloudTrail call as alerts and remediation messages carry it: which call, who made it, from where, when. */
export interface CallRecord {
  readonly eventId?: string;
  readonly eventName?: string;
  readonly actor?: Actor;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly eventTime?: string;
}

/**
 * What an access call changed, read from its CloudTrail event: who was given or lost what (access entry and policy
 * calls), which identity provider (identity provider calls), the authentication mode asked for (UpdateClusterConfig,
 * CreateCluster). Told in alerts: who granted what to whom.
 */
export interface AccessChange {
  /** The IAM principal the call grants to or takes from. */
  readonly principalArn?: string;
  readonly policyArn?: string;
  readonly accessScope?: AccessScope;
  readonly kubernetesGroups?: readonly string[];
  readonly identityProvider?: { readonly name: string; readonly issuerUrl?: string };
  readonly authenticationMode?: string;
  readonly bootstrapClusterCreatorAdminPermissions?: boolean;
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
  /** For an access call: who was given or lost what (the grantee, the policy and its scope, the provider, the mode). */
  readonly access?: AccessChange;
  /** Set when the evaluation follows EKS Warden's own remediation: who had opened the endpoint, and the closing update. */
  readonly remediation?: { readonly updateId: string; readonly roleArn?: string; readonly openedBy?: Actor; readonly openedAt?: string };
}
