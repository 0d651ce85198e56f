import { describe, expect, it } from "vitest";
import { amiReleaseSource, compareRelease } from "../src/ami.ts";

describe("the AMI release parameter of each EKS AMI type", () => {
  it.each([
    ["AL2_x86_64", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/release_version"],
    ["AL2_x86_64_GPU", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2-gpu/recommended/release_version"],
    ["AL2_ARM_64", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2-arm64/recommended/release_version"],
    ["AL2023_x86_64_STANDARD", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/release_version"],
    ["AL2023_ARM_64_STANDARD", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/arm64/standard/recommended/release_version"],
    ["AL2023_x86_64_NVIDIA", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/nvidia/recommended/release_version"],
    ["AL2023_ARM_64_NVIDIA", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/arm64/nvidia/recommended/release_version"],
    ["AL2023_x86_64_NEURON", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/neuron/recommended/release_version"],
    ["BOTTLEROCKET_x86_64", "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_version"],
    ["BOTTLEROCKET_ARM_64", "/aws/service/bottlerocket/aws-k8s-1.32/arm64/latest/image_version"],
    ["BOTTLEROCKET_x86_64_NVIDIA", "/aws/service/bottlerocket/aws-k8s-1.32-nvidia/x86_64/latest/image_version"],
    ["BOTTLEROCKET_ARM_64_NVIDIA", "/aws/service/bottlerocket/aws-k8s-1.32-nvidia/arm64/latest/image_version"],
  ])("%s -> %s", (amiType, parameter) => {
    expect(amiReleaseSource(amiType, "1.32")).toMatchObject({ kind: "parameter", parameter, family: amiType.startsWith("BOTTLEROCKET") ? "bottlerocket" : "eks-optimized" });
  });

  it("custom and Windows AMIs do not apply; an unknown type or a missing field is unknown", () => {
    expect(amiReleaseSource("CUSTOM", "1.32")).toMatchObject({ kind: "not-applicable", reason: expect.stringContaining("custom AMI") });
    expect(amiReleaseSource("WINDOWS_CORE_2022_x86_64", "1.32")).toMatchObject({ kind: "not-applicable", reason: expect.stringContaining("Windows") });
    expect(amiReleaseSource("BOTTLEROCKET_x86_64_FIPS", "1.32")).toMatchObject({ kind: "unknown", reason: expect.stringContaining("BOTTLEROCKET_x86_64_FIPS") });
    expect(amiReleaseSource(undefined, "1.32")).toMatchObject({ kind: "unknown", reason: "its record has no AMI type" });
    expect(amiReleaseSource("AL2_x86_64", undefined)).toMatchObject({ kind: "unknown", reason: "its record has no Kubernetes version" });
  });
});

describe("how far a release is behind", () => {
  it("compares EKS-optimised releases by build date", () => {
    expect(compareRelease("eks-optimized", "1.31.3-20250101", "1.31.13-20250402")).toEqual({ kind: "behind-days", days: 91, releaseDate: "2025-01-01", latestReleaseDate: "2025-04-02" });
    expect(compareRelease("eks-optimized", "1.31.13-20250402", "1.31.13-20250402")).toEqual({ kind: "current" });
    expect(compareRelease("eks-optimized", "1.31.14-20250501", "1.31.13-20250402")).toEqual({ kind: "current" });
    expect(compareRelease("eks-optimized", "ami-0abc", "1.31.13-20250402")).toMatchObject({ kind: "incomparable", reason: expect.stringContaining('"ami-0abc"') });
    expect(compareRelease("eks-optimized", "1.31.13-20250402", "1.31.13-20251399")).toMatchObject({ kind: "incomparable", reason: expect.stringContaining("20251399") });
  });

  it("compares Bottlerocket releases by version, ignoring the commit suffix", () => {
    expect(compareRelease("bottlerocket", "1.29.0-abc", "1.29.2-def")).toEqual({ kind: "behind-versions", majors: 0, minors: 0, patches: 2 });
    expect(compareRelease("bottlerocket", "1.27.5-abc", "1.29.0-def")).toEqual({ kind: "behind-versions", majors: 0, minors: 2, patches: 0 });
    expect(compareRelease("bottlerocket", "1.29.0", "2.0.0-def")).toEqual({ kind: "behind-versions", majors: 1, minors: 0, patches: 0 });
    expect(compareRelease("bottlerocket", "1.29.0-abc", "1.29.0-def")).toEqual({ kind: "current" });
    expect(compareRelease("bottlerocket", "1.30.0", "1.29.9")).toEqual({ kind: "current" });
    expect(compareRelease("bottlerocket", "2.0.0", "1.29.9")).toEqual({ kind: "current" });
    expect(compareRelease("bottlerocket", "1.29.1", "1.29.0")).toEqual({ kind: "current" });
    expect(compareRelease("bottlerocket", "1.29.0", "latest")).toMatchObject({ kind: "incomparable", reason: expect.stringContaining('"latest"') });
  });
});
