// Generated simulator fleets for the scheduled path (the digest end-to-end tests and bench/scheduled.ts): a mixed
// fleet in two regions, and N uniform clusters with node groups and add-ons. The version catalogue is dated from
// `now`, since the deployed handlers judge support windows by the real clock.

import { nextMinorVersion } from "@eks-warden/core";

export const FLEET_ACCOUNT = "123456789012";
const DAY_MS = 86_400_000;

const iso = (now: Date, days: number): string => new Date(now.getTime() + days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, "Z");

/** 1.35 newest; 1.34 ends standard support in 20 days; 1.32 is in extended support for 40 more days; 1.29 is out of all support. */
export function catalogue(now: Date): Record<string, unknown>[] {
  const version = (clusterVersion: string, endOfStandard: number, endOfExtended: number, status: string) => ({
    clusterVersion,
    clusterType: "eks",
    defaultVersion: clusterVersion === "1.35",
    releaseDate: iso(now, endOfStandard - 425),
    endOfStandardSupportDate: iso(now, endOfStandard),
    endOfExtendedSupportDate: iso(now, endOfExtended),
    status,
    versionStatus: status,
  });
  return [
    version("1.35", 400, 765, "STANDARD_SUPPORT"),
    version("1.34", 20, 385, "STANDARD_SUPPORT"),
    version("1.33", 150, 515, "STANDARD_SUPPORT"),
    version("1.32", -325, 40, "EXTENDED_SUPPORT"),
    version("1.29", -730, -365, "UNSUPPORTED"),
  ];
}

export interface ClusterSpec {
  readonly name: string;
  readonly region: string;
  readonly version: string;
  readonly open?: boolean;
  readonly nodegroups?: number;
  readonly addons?: number;
  readonly tags?: Record<string, string>;
  readonly supportType?: "STANDARD" | "EXTENDED";
  /** Upgrade insights as DescribeInsight returns them (ListInsights shows their summaries). */
  readonly insights?: readonly Record<string, unknown>[];
}

const ADDONS = ["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"];

export function clusterEntry(spec: ClusterSpec, account = FLEET_ACCOUNT): Record<string, unknown> {
  return {
    region: spec.region,
    cluster: {
      name: spec.name,
      arn: `arn:aws:eks:${spec.region}:${account}:cluster/${spec.name}`,
      version: spec.version,
      status: "ACTIVE",
      roleArn: `arn:aws:iam::${account}:role/eks`,
      resourcesVpcConfig: {
        subnetIds: ["subnet-0a"],
        securityGroupIds: [],
        vpcId: "vpc-0a",
        endpointPublicAccess: spec.open === true,
        endpointPrivateAccess: true,
        publicAccessCidrs: ["0.0.0.0/0"],
      },
      logging: { clusterLogging: [{ types: ["api", "audit", "authenticator", "controllerManager", "scheduler"], enabled: true }] },
      // Access entries only (no aws-auth ConfigMap), so these fleets' stories are about endpoints and versions.
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      tags: spec.tags ?? {},
      ...(spec.supportType ? { upgradePolicy: { supportType: spec.supportType } } : {}),
    },
    nodegroups: Array.from({ length: spec.nodegroups ?? 0 }, (_, index) => ({
      nodegroupName: `ng-${index}`,
      version: spec.version,
      releaseVersion: `${spec.version}.0-20261101`,
      amiType: "AL2023_x86_64_STANDARD",
      status: "ACTIVE",
      capacityType: "ON_DEMAND",
      scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
      instanceTypes: ["m6i.large"],
      nodeRole: `arn:aws:iam::${account}:role/node`,
      health: { issues: [] },
      labels: {},
      tags: {},
    })),
    addons: ADDONS.slice(0, spec.addons ?? 0).map((addonName) => ({ addonName, addonVersion: "v1.0.0-eksbuild.1", status: "ACTIVE", health: { issues: [] }, tags: {} })),
    ...(spec.insights && { insights: spec.insights }),
  };
}

export function fleetOf(specs: readonly ClusterSpec[], now: Date, defaultRegion = "eu-west-1"): Record<string, unknown> {
  return { defaultAccount: FLEET_ACCOUNT, defaultRegion, startTime: now.toISOString(), clusters: specs.map((spec) => clusterEntry(spec)), clusterVersions: catalogue(now) };
}

/**
 * The four upgrade-readiness insights of cluster number `index` for the next version: deprecated APIs in ERROR on every
 * third cluster, kubelet skew in WARNING on the next, every other insight passing (so two clusters in three have one
 * insight to describe).
 */
export function upgradeInsights(index: number, nextVersion: string): Record<string, unknown>[] {
  const insight = (n: number, name: string, failing: "ERROR" | "WARNING" | undefined, recommendation: string) => ({
    id: `${String(index).padStart(8, "0")}-0000-4000-8000-00000000000${n}`,
    name,
    category: "UPGRADE_READINESS",
    kubernetesVersion: nextVersion,
    lastRefreshTime: "2026-11-28T06:00:00Z",
    lastTransitionTime: "2026-11-20T06:00:00Z",
    description: `Checks ${name.toLowerCase()} before the upgrade to ${nextVersion}.`,
    insightStatus: failing ? { status: failing, reason: `${name}: found on this cluster.` } : { status: "PASSING", reason: "Nothing found." },
    recommendation,
    additionalInfo: {},
    resources: failing ? [{ insightStatus: { status: failing }, kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" }] : [],
    categorySpecificSummary: { deprecationDetails: [], addonCompatibilityDetails: [] },
  });
  return [
    insight(1, `Deprecated APIs removed in Kubernetes v${nextVersion}`, index % 3 === 0 ? "ERROR" : undefined, "Update manifests and API clients to use newer Kubernetes APIs before upgrading."),
    insight(2, "Kubelet version skew", index % 3 === 1 ? "WARNING" : undefined, "Upgrade your worker nodes to match the Kubernetes version of your control plane."),
    insight(3, "Amazon EKS add-on version compatibility", undefined, "Upgrade your add-ons to versions compatible with the next Kubernetes version."),
    insight(4, "Cluster health issues", undefined, "Resolve the cluster health issues before upgrading."),
  ];
}

/**
 * `count` clusters spread over the regions, each with `nodegroups` node groups and `addons` add-ons, and with
 * `insights` the four upgrade insights of upgradeInsights().
 */
export function uniformFleet(count: number, now: Date, options: { regions?: readonly string[]; nodegroups?: number; addons?: number; insights?: boolean } = {}): Record<string, unknown> {
  const regions = options.regions ?? ["eu-west-1"];
  const versions = ["1.35", "1.34", "1.33", "1.32"];
  return fleetOf(
    Array.from({ length: count }, (_, index) => ({
      name: `cluster-${String(index).padStart(4, "0")}`,
      region: regions[index % regions.length]!,
      version: versions[index % versions.length]!,
      open: index % 5 === 0,
      nodegroups: options.nodegroups ?? 2,
      addons: options.addons ?? 4,
      ...(options.insights && { insights: upgradeInsights(index, nextMinorVersion(versions[index % versions.length]!)!) }),
    })),
    now,
    regions[0],
  );
}
