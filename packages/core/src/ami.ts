// Where AWS publishes the latest release of each managed node group AMI type (SSM public parameters), and how far
// one release is behind another. Pure: the SSM adapter reads the parameters named here, nodegroup-ami-outdated
// compares. Parameter paths: EKS user guide, "Retrieve recommended Amazon Linux AMI IDs" and "Retrieve recommended
// Bottlerocket AMI IDs".

export type AmiReleaseSource =
  | { readonly kind: "parameter"; readonly parameter: string; readonly family: "eks-optimized" | "bottlerocket" }
  | { readonly kind: "not-applicable" | "unknown"; readonly reason: string };

const EKS_OPTIMIZED: Readonly<Record<string, string>> = {
  AL2_x86_64: "amazon-linux-2/recommended/release_version",
  AL2_x86_64_GPU: "amazon-linux-2-gpu/recommended/release_version",
  AL2_ARM_64: "amazon-linux-2-arm64/recommended/release_version",
  AL2023_x86_64_STANDARD: "amazon-linux-2023/x86_64/standard/recommended/release_version",
  AL2023_ARM_64_STANDARD: "amazon-linux-2023/arm64/standard/recommended/release_version",
  AL2023_x86_64_NVIDIA: "amazon-linux-2023/x86_64/nvidia/recommended/release_version",
  AL2023_ARM_64_NVIDIA: "amazon-linux-2023/arm64/nvidia/recommended/release_version",
  AL2023_x86_64_NEURON: "amazon-linux-2023/x86_64/neuron/recommended/release_version",
};

const BOTTLEROCKET: Readonly<Record<string, { variant: string; arch: string }>> = {
  BOTTLEROCKET_x86_64: { variant: "", arch: "x86_64" },
  BOTTLEROCKET_ARM_64: { variant: "", arch: "arm64" },
  BOTTLEROCKET_x86_64_NVIDIA: { variant: "-nvidia", arch: "x86_64" },
  BOTTLEROCKET_ARM_64_NVIDIA: { variant: "-nvidia", arch: "arm64" },
};

/** The SSM parameter publishing the latest release for a node group's AMI type and Kubernetes version, or why none applies. */
export function amiReleaseSource(amiType: string | undefined, kubernetesVersion: string | undefined): AmiReleaseSource {
  if (amiType === "CUSTOM") {
    return { kind: "not-applicable", reason: "it runs a custom AMI from its launch template, whose releases its owner tracks, not AWS" };
  }
  if (amiType?.startsWith("WINDOWS_")) {
    return { kind: "not-applicable", reason: `its AMI type ${amiType} is a Windows AMI, for which AWS publishes image ids, not release versions` };
  }
  if (amiType === undefined) return { kind: "unknown", reason: "its record has no AMI type" };
  if (kubernetesVersion === undefined) return { kind: "unknown", reason: "its record has no Kubernetes version" };
  const eks = EKS_OPTIMIZED[amiType];
  if (eks !== undefined) return { kind: "parameter", family: "eks-optimized", parameter: `/aws/service/eks/optimized-ami/${kubernetesVersion}/${eks}` };
  const bottlerocket = BOTTLEROCKET[amiType];
  if (bottlerocket !== undefined) {
    return { kind: "parameter", family: "bottlerocket", parameter: `/aws/service/bottlerocket/aws-k8s-${kubernetesVersion}${bottlerocket.variant}/${bottlerocket.arch}/latest/image_version` };
  }
  return { kind: "unknown", reason: `EKS Warden knows no release parameter for its AMI type ${amiType}` };
}

const DAY_MS = 86_400_000;

export type ReleaseComparison =
  | { readonly kind: "current" }
  | { readonly kind: "behind-days"; readonly days: number; readonly releaseDate: string; readonly latestReleaseDate: string }
  | { readonly kind: "behind-versions"; readonly majors: number; readonly minors: number; readonly patches: number }
  | { readonly kind: "incomparable"; readonly reason: string };

/** `1.31.3-20250101` -> 2025-01-01 (the EKS-optimised AMI's build date). */
function releaseDate(release: string): Date | undefined {
  const match = /^\d+\.\d+\.\d+-(\d{4})(\d{2})(\d{2})$/.exec(release.trim());
  if (match === null) return undefined;
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `1.29.0-abc123` -> [1, 29, 0] (Bottlerocket's version; the commit suffix does not order). */
function semver(release: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.]+)?$/.exec(release.trim());
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** How far `release` is behind `latest`: by build date (EKS-optimised) or by version (Bottlerocket). */
export function compareRelease(family: "eks-optimized" | "bottlerocket", release: string, latest: string): ReleaseComparison {
  if (family === "eks-optimized") {
    const mine = releaseDate(release);
    const newest = releaseDate(latest);
    if (mine === undefined || newest === undefined) {
      return { kind: "incomparable", reason: `${JSON.stringify(mine === undefined ? release : latest)} is not an EKS-optimised AMI release of the form <kubernetes>-<YYYYMMDD>` };
    }
    if (newest.getTime() <= mine.getTime()) return { kind: "current" };
    return { kind: "behind-days", days: Math.round((newest.getTime() - mine.getTime()) / DAY_MS), releaseDate: mine.toISOString().slice(0, 10), latestReleaseDate: newest.toISOString().slice(0, 10) };
  }
  const mine = semver(release);
  const newest = semver(latest);
  if (mine === undefined || newest === undefined) {
    return { kind: "incomparable", reason: `${JSON.stringify(mine === undefined ? release : latest)} is not a Bottlerocket version of the form <major>.<minor>.<patch>` };
  }
  const [major, minor, patch] = mine;
  const [latestMajor, latestMinor, latestPatch] = newest;
  if (major !== latestMajor) return major < latestMajor ? { kind: "behind-versions", majors: latestMajor - major, minors: 0, patches: 0 } : { kind: "current" };
  if (minor !== latestMinor) return minor < latestMinor ? { kind: "behind-versions", majors: 0, minors: latestMinor - minor, patches: 0 } : { kind: "current" };
  return patch < latestPatch ? { kind: "behind-versions", majors: 0, minors: 0, patches: latestPatch - patch } : { kind: "current" };
}
