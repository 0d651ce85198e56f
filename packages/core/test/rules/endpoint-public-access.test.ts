import { describe, expect, it } from "vitest";
import type { Policy } from "../../src/model.ts";
import { rule } from "../../src/rules/endpoint-public-access.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy, publicEndpoint, sharedCluster } from "./helpers.ts";

const PRIVATE_COMMAND = "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true";

function run(snapshot = cluster(), activePolicy: Policy = policy()) {
  return only(rule.evaluate(snapshot, activePolicy, context()), rule, snapshot);
}

describe("endpoint-public-access", () => {
  describe("with the real DescribeCluster recordings", () => {
    it("passes a private-only cluster", () => {
      const snapshot = sharedCluster("DescribeCluster.private-only.json");
      const finding = only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
      expect(finding).toMatchObject({
        status: "PASS",
        message: "EKS cluster c7n-test-eks-cluster (us-east-1) has no public API endpoint.",
        evidence: { publicAccess: false, privateAccess: true, publicAccessCidrs: [] },
      });
    });

    it("is CRITICAL for a public endpoint open to 0.0.0.0/0, with the fix to go private", () => {
      const snapshot = sharedCluster("DescribeCluster.public-only.open-world.json");
      const finding = only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
      expect(finding).toMatchObject({
        status: "FAIL",
        severity: "CRITICAL",
        message: "EKS cluster pod2-9756 (us-east-1) has its API endpoint open to the whole internet (0.0.0.0/0).",
        evidence: {
          publicAccess: true,
          privateAccess: false,
          publicAccessCidrs: ["0.0.0.0/0"],
          worldOpenCidrs: ["0.0.0.0/0"],
          cidrsOutsideAllowlist: ["0.0.0.0/0"],
          defaulted: { publicAccess: false, privateAccess: false, publicAccessCidrs: false },
        },
      });
      expect(finding.evidence).not.toHaveProperty("defaultedBecause");
      expect(finding.remediation.command).toBe(
        "aws eks update-cluster-config --region us-east-1 --name pod2-9756 --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true",
      );
    });

    it("is CRITICAL for a 2018 cluster with no endpoint fields, saying AWS's default made it public", () => {
      const snapshot = sharedCluster("DescribeCluster.2018-no-endpoint-fields.json");
      const finding = only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
      expect(finding.status).toBe("FAIL");
      expect(finding.severity).toBe("CRITICAL");
      expect(finding.message).toContain("no endpoint access fields");
      expect(finding.evidence).toMatchObject({
        publicAccess: true,
        publicAccessCidrs: ["0.0.0.0/0"],
        defaulted: { publicAccess: true, privateAccess: true, publicAccessCidrs: true },
        defaultedBecause: "the cluster record has no endpoint access fields, which AWS treats as public to 0.0.0.0/0",
      });
    });

    it("is CRITICAL for a cluster whose record lists no CIDRs, saying the list was defaulted", () => {
      const snapshot = sharedCluster("DescribeCluster.2019-no-cidrs.json");
      const finding = only(rule.evaluate(snapshot, policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } }), context()), rule, snapshot);
      expect(finding).toMatchObject({ status: "FAIL", severity: "CRITICAL", evidence: { defaulted: { publicAccessCidrs: true }, allowlist: ["203.0.113.0/24"] } });
      expect(finding.message).toBe(
        "EKS cluster devx (us-east-1) has its API endpoint open to the whole internet (0.0.0.0/0: the cluster record lists no publicAccessCidrs, which AWS treats as 0.0.0.0/0).",
      );
    });

    it("judges the stale configuration an UPDATING cluster still shows, not the update it is applying", () => {
      const snapshot = sharedCluster("DescribeCluster.public-and-private.updating-stale.json");
      expect(snapshot.status).toBe("UPDATING");
      expect(only(rule.evaluate(snapshot, policy(), context()), rule, snapshot)).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    });
  });

  it("is CRITICAL for ::/0 as for 0.0.0.0/0, even next to allowlisted blocks", () => {
    const finding = run(cluster({ endpoint: publicEndpoint(["203.0.113.0/24", "::/0"], true) }), policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } }));
    expect(finding).toMatchObject({ status: "FAIL", severity: "CRITICAL", evidence: { worldOpenCidrs: ["::/0"], cidrsOutsideAllowlist: ["::/0"] } });
    expect(finding.message).toContain("(::/0)");
  });

  it("is HIGH when a public CIDR lies outside the allowlist, naming it", () => {
    const snapshot = cluster({ endpoint: publicEndpoint(["203.0.113.0/25", "198.51.100.7/32"], true) });
    const finding = run(snapshot, policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message: "EKS cluster payments-prod (eu-west-1) has a public API endpoint reachable from a CIDR block outside the allowlist (198.51.100.7/32).",
      evidence: { worldOpenCidrs: [], cidrsOutsideAllowlist: ["198.51.100.7/32"], allowlist: ["203.0.113.0/24"] },
    });
    expect(finding.remediation.command).toBe(PRIVATE_COMMAND);
  });

  it("counts containment by address, not by text: a wider block than the allowlisted one is outside", () => {
    const finding = run(cluster({ endpoint: publicEndpoint(["203.0.112.0/23", "2001:db8:1::/48"]) }), policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "2001:db8::/32"] } }));
    expect(finding).toMatchObject({ severity: "HIGH", evidence: { cidrsOutsideAllowlist: ["203.0.112.0/23"] } });
    expect(finding.message).toContain("a CIDR block outside");
  });

  it("counts every block outside an empty allowlist", () => {
    const finding = run(cluster({ endpoint: publicEndpoint(["203.0.113.0/24", "198.51.100.0/24"]) }));
    expect(finding.severity).toBe("HIGH");
    expect(finding.message).toContain("2 CIDR blocks outside the allowlist (203.0.113.0/24, 198.51.100.0/24)");
  });

  it("is MEDIUM when every public CIDR is allowlisted, since the premise is private only", () => {
    const activePolicy = policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "2001:db8::/32"] }, remediation: { action: "restrict-to-allowlist" } });
    const finding = run(cluster({ endpoint: publicEndpoint(["203.0.113.16/28", "2001:db8:abcd::/48"], true) }), activePolicy);
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) has a public API endpoint, limited to allowlisted CIDR blocks (203.0.113.16/28, 2001:db8:abcd::/48).",
      evidence: { cidrsOutsideAllowlist: [], worldOpenCidrs: [], allowlistedPublicAccessPasses: false },
    });
    // Restricting to the allowlist would change nothing: the remaining fix is to go private.
    expect(finding.remediation.command).toBe(PRIVATE_COMMAND);
  });

  it("passes allowlisted public access when the policy accepts it, but never world-open access", () => {
    const activePolicy = policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"], allowlistedPublicAccessPasses: true } });
    const finding = run(cluster({ endpoint: publicEndpoint(["203.0.113.0/24"]) }), activePolicy);
    expect(finding).toMatchObject({ status: "PASS", severity: "CRITICAL", evidence: { allowlistedPublicAccessPasses: true } });
    expect(finding.message).toContain("which the policy accepts");
    expect(run(cluster({ endpoint: publicEndpoint(["0.0.0.0/0"]) }), activePolicy).severity).toBe("CRITICAL");
    expect(run(cluster({ endpoint: publicEndpoint(["203.0.113.0/24", "198.51.100.0/24"]) }), activePolicy).status).toBe("FAIL");
  });

  it("treats public access with an empty CIDR list as AWS's default 0.0.0.0/0", () => {
    const finding = run(cluster({ endpoint: publicEndpoint([]) }));
    expect(finding).toMatchObject({
      severity: "CRITICAL",
      evidence: { publicAccessCidrs: ["0.0.0.0/0"], defaulted: { publicAccessCidrs: true }, defaultedBecause: expect.stringContaining("lists no publicAccessCidrs") },
    });
  });

  describe("remediation follows policy.remediation.action", () => {
    const openWorld = cluster({ endpoint: publicEndpoint(["0.0.0.0/0"]) });

    it("private: public off, private on", () => {
      expect(run(openWorld, policy({ remediation: { action: "private" } })).remediation.command).toBe(PRIVATE_COMMAND);
      expect(rule.remediation(openWorld).command).toBe(PRIVATE_COMMAND);
    });

    it("restrict-to-allowlist: the allowlist as the public CIDRs, with private access on so nodes keep their path", () => {
      const activePolicy = policy({ remediation: { action: "restrict-to-allowlist" }, endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "2001:db8::/32"] } });
      const finding = run(openWorld, activePolicy);
      expect(finding.remediation.command).toBe(
        "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=true,endpointPrivateAccess=true,publicAccessCidrs=203.0.113.0/24,2001:db8::/32",
      );
      expect(finding.remediation.text).toContain("allowlisted CIDR blocks");
    });

    it("restrict-to-allowlist with no allowlist (a hand-built policy) falls back to private", () => {
      const handBuilt: Policy = { ...policy(), remediation: { mode: "off", action: "restrict-to-allowlist", overrideTags: [] } };
      expect(run(openWorld, handBuilt).remediation.command).toBe(PRIVATE_COMMAND);
    });

    it("quotes a cluster name the shell would split", () => {
      const odd = { ...openWorld, name: "team a's cluster" };
      expect(rule.remediation(odd).command).toContain(`--name 'team a'"'"'s cluster'`);
    });
  });

  it("reports ERROR, not PASS, when a CIDR block cannot be read", () => {
    const snapshot = cluster({ endpoint: publicEndpoint(["203.0.113.0/24", "not-a-cidr"]) });
    const finding = run(snapshot);
    expect(finding).toMatchObject({ status: "ERROR", severity: "CRITICAL", evidence: { invalidCidr: "not-a-cidr" } });
    expect(finding.message).toBe('EKS cluster payments-prod (eu-west-1) could not be checked because resourcesVpcConfig.publicAccessCidrs[1] ("not-a-cidr") is not a valid CIDR block.');
    const badPolicy: Policy = { ...policy(), endpoint: { allowedPublicCidrs: ["10.0.0.0/99"], allowlistedPublicAccessPasses: false } };
    expect(run(cluster({ endpoint: publicEndpoint(["203.0.113.0/24"]) }), badPolicy)).toMatchObject({ status: "ERROR", evidence: { invalidCidr: "10.0.0.0/99" } });
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ endpoint: publicEndpoint(["0.0.0.0/0"]) }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, sharedCluster("DescribeCluster.public-only.open-world.json"), policy());
    expectExemptionsApply(rule, cluster({ endpoint: publicEndpoint(["203.0.113.0/24"]) }), policy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } }));
  });

  describe("severity by the share of the public address space open outside the allowlist (CRITICAL from 1/256)", () => {
    it.each([
      [["0.0.0.0/0"], "CRITICAL"],
      [["0.0.0.0/1", "128.0.0.0/1"], "CRITICAL"],
      [["::/0"], "CRITICAL"],
      [["8.0.0.0/8"], "CRITICAL"],
      [["8.0.0.0/9", "8.128.0.0/9"], "CRITICAL"],
      [["8.0.0.0/9"], "HIGH"],
      [["8.0.0.0/9", "8.0.0.0/10"], "HIGH"],
      [["10.0.0.0/8", "172.16.0.0/12", "8.0.0.0/9"], "HIGH"],
      [["2400::/11"], "CRITICAL"],
      [["2400::/12"], "HIGH"],
      [["2001:db8::/32", "2600::/12"], "HIGH"],
      [["198.51.100.0/24"], "HIGH"],
    ] as const)("%j is %s", (cidrs, severity) => {
      const finding = run({ ...cluster(), endpoint: publicEndpoint([...cidrs]) });
      expect(finding).toMatchObject({ status: "FAIL", severity });
      expect(finding.evidence.publicShareOutsideAllowlist).toMatchObject({ criticalFrom: "1/256" });
    });

    it("says how much of the internet it is when no block is 0.0.0.0/0", () => {
      const finding = run({ ...cluster(), endpoint: publicEndpoint(["0.0.0.0/1", "128.0.0.0/1"]) });
      expect(finding.message).toBe("EKS cluster payments-prod (eu-west-1) has its API endpoint open to 100% of the public IPv4 internet (0.0.0.0/1, 128.0.0.0/1).");
      expect(finding.evidence.publicShareOutsideAllowlist).toEqual({ ipv4: 1, ipv6: 0, criticalFrom: "1/256" });
    });

    it("an allowlisted /8 is not counted", () => {
      const finding = run({ ...cluster(), endpoint: publicEndpoint(["8.0.0.0/8"]) }, policy({ endpoint: { allowedPublicCidrs: ["8.0.0.0/8"] } }));
      expect(finding).toMatchObject({ status: "FAIL", severity: "MEDIUM" });
    });
  });
});
