// Generated simulator fleets for the scheduled path (the digest end-to-end tests and bench/scheduled.ts): a mixed
// fleet in two regions, and N uniform clusters with node groups and add-ons. The version catalogue is dated from
// `now`, since the deployed handlers judge support windows by the real clock.

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
  };
}

export function fleetOf(specs: readonly ClusterSpec[], now: Date, defaultRegion = "eu-west-1"): Record<string, unknown> {
  return { defaultAccount: FLEET_ACCOUNT, defaultRegion, startTime: now.toISOString(), clusters: specs.map((spec) => clusterEntry(spec)), clusterVersions: catalogue(now) };
}

/** `count` clusters spread over the regions, each with `nodegroups` node groups and `addons` add-ons. */
export function uniformFleet(count: number, now: Date, options: { regions?: readonly string[]; nodegroups?: number; addons?: number } = {}): Record<string, unknown> {
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
    })),
    now,
    regions[0],
  );
}
