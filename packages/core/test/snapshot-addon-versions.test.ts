// DescribeAddonVersions as the addon-outdated rule reads it: a version EKS lists without compatibilities is not
// compatible with anything, and an add-on without a default for the cluster's version has no defaultVersion.
import { describe, expect, it } from "vitest";
import { normaliseAddonVersions } from "../src/snapshot/addon-versions.ts";

describe("normaliseAddonVersions", () => {
  it("keeps only the versions compatible with the Kubernetes version, and no default when EKS names none", () => {
    const [info] = normaliseAddonVersions(
      [{ addonName: "vpc-cni", addonVersions: [{ addonVersion: "v1.0.0" }, { addonVersion: "v1.1.0", compatibilities: [{ clusterVersion: "1.31" }] }] }],
      "1.31",
    );
    expect(info).toEqual({ addonName: "vpc-cni", kubernetesVersion: "1.31", compatibleVersions: ["v1.1.0"] });
  });
});
