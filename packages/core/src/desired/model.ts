// A cluster as a desired-state file declares it (Terraform plan, CloudFormation template, eksctl config), before any
// default is applied: a field the file leaves out is absent here, and AWS's meaning of its absence is applied once,
// by the live normaliser (snapshot/cluster.ts), when the cluster becomes a ClusterSnapshot (./snapshot.ts).

export const DESIRED_FORMATS = ["terraform-plan", "cloudformation", "eksctl"] as const;
export type DesiredFormat = (typeof DESIRED_FORMATS)[number];

/** Where a cluster (or one of its settings) is declared. */
export interface DesiredSource {
  readonly file: string;
  readonly format: DesiredFormat;
  /** The resource as the format names it: a Terraform address, a CloudFormation logical id, an eksctl metadata.name. */
  readonly resource: string;
  readonly line: number;
  readonly column: number;
}

/**
 * The settings a desired state can leave unknown until deployment ("known after apply", an intrinsic function that
 * only CloudFormation can resolve). Each has AWS's default, which the live cluster takes when the setting is absent.
 */
export const UNKNOWN_FIELDS = [
  "endpointPublicAccess",
  "endpointPrivateAccess",
  "publicAccessCidrs",
  "version",
  "logging",
  "authenticationMode",
  "bootstrapClusterCreatorAdminPermissions",
  "accessEntries",
  "supportType",
] as const;
export type UnknownField = (typeof UNKNOWN_FIELDS)[number];

export interface UnknownValue {
  readonly field: UnknownField;
  /** Why it is unknown, e.g. "known after apply" or "!GetAtt Vpc.CidrBlock is resolved only by CloudFormation". */
  readonly why: string;
  readonly line: number;
  readonly column: number;
}

export interface DesiredAccessPolicy {
  readonly policyArn: string;
  readonly accessScope: { readonly type: "cluster" | "namespace"; readonly namespaces: readonly string[] };
}

export interface DesiredAccessEntry {
  readonly principalArn: string;
  readonly type?: string;
  readonly username?: string;
  readonly kubernetesGroups: readonly string[];
  readonly accessPolicies: readonly DesiredAccessPolicy[];
  readonly line: number;
}

/** Where a setting is declared (line and column), by the DescribeCluster field it becomes. */
export type DeclaredAt = Partial<Record<UnknownField, { readonly line: number; readonly column: number }>>;

export interface DesiredCluster {
  readonly name: string;
  readonly source: DesiredSource;
  /** The region the file pins the cluster to (eksctl metadata.region, the Terraform provider's region), if any. */
  readonly region?: string;
  readonly version?: string;
  readonly endpoint: { readonly publicAccess?: boolean; readonly privateAccess?: boolean; readonly publicAccessCidrs?: readonly string[] };
  /** The control plane log types switched on; undefined when the file says nothing about logging. */
  readonly enabledLogTypes?: readonly string[];
  readonly supportType?: "STANDARD" | "EXTENDED";
  readonly accessConfig?: { readonly authenticationMode?: string; readonly bootstrapClusterCreatorAdminPermissions?: boolean };
  readonly accessEntries: readonly DesiredAccessEntry[];
  readonly tags: Readonly<Record<string, string>>;
  /** Settings the file leaves for deployment to decide: judged as AWS's default, and the findings say so. */
  readonly unknown: readonly UnknownValue[];
  readonly declaredAt: DeclaredAt;
}

/** What a desired-state file declares: its clusters, in file order. */
export interface DesiredState {
  readonly file: string;
  readonly format: DesiredFormat;
  readonly clusters: readonly DesiredCluster[];
}
