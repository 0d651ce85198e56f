// EKS's access policies (ListAccessPolicies), as data: a CloudTrail event or a desired-state file naming any other
// policy ARN is refused, and the simulator refuses to associate one. The list changes rarely; a new AWS policy is one
// line here.

export const EKS_ACCESS_POLICY_NAMES = [
  "AmazonEKSAdminPolicy",
  "AmazonEKSAdminViewPolicy",
  "AmazonEKSAutoNodePolicy",
  "AmazonEKSBlockStorageClusterPolicy",
  "AmazonEKSClusterAdminPolicy",
  "AmazonEKSComputeClusterPolicy",
  "AmazonEKSEditPolicy",
  "AmazonEKSHybridPolicy",
  "AmazonEKSLoadBalancingClusterPolicy",
  "AmazonEKSNetworkingClusterPolicy",
  "AmazonEKSViewPolicy",
] as const;

const KNOWN: ReadonlySet<string> = new Set(EKS_ACCESS_POLICY_NAMES);
const ACCESS_POLICY_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):eks::aws:cluster-access-policy\/([A-Za-z]+)$/;

export function accessPolicyArn(name: string, partition = "aws"): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
}

/** The policy's name when `policyArn` is the ARN of an EKS access policy, else undefined. */
export function knownAccessPolicy(policyArn: string): string | undefined {
  const name = ACCESS_POLICY_ARN.exec(policyArn)?.[2];
  return name !== undefined && KNOWN.has(name) ? name : undefined;
}

/** The IAM principals an access entry may be for: a role or a user (never a session, a group or root). */
export const ACCESS_ENTRY_PRINCIPAL = /^arn:(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\d{12}):(role|user)\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;
