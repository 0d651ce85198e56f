// The four access rules on hand-built snapshots: who holds cluster admin and how bad it is, the authentication
// mode, the identity providers, the creator's bootstrap admin; unreadable data is ERROR, never PASS.
import { describe, expect, it } from "vitest";
import type { AccessEntrySnapshot, ClusterSnapshot, Finding } from "../../src/model.ts";
import { ruleById } from "../../src/rules/index.ts";
import { cluster, context, expectWellFormed, NOW, policy } from "./helpers.ts";

const ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const EKS_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy";
const VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
const OWN_ROLE = "arn:aws:iam::111122223333:role/platform-admin";
const OUTSIDER = "arn:aws:iam::999988887777:role/contractor";
const USER = "arn:aws:iam::111122223333:user/alice";

function entry(principalArn: string, policies: readonly [string, "cluster" | "namespace", string[]?][], extra: Partial<AccessEntrySnapshot> = {}): AccessEntrySnapshot {
  return {
    principalArn,
    kubernetesGroups: [],
    createdAt: new Date("2026-11-01T10:00:00Z"),
    accessPolicies: policies.map(([policyArn, type, namespaces = []]) => ({ policyArn, accessScope: { type, namespaces }, associatedAt: new Date("2026-11-20T10:00:00Z") })),
    ...extra,
  };
}

function judge(ruleId: string, snapshot: ClusterSnapshot, policyInput = {}, extra = {}): Finding {
  const rule = ruleById(ruleId)!;
  const findings = rule.evaluate(snapshot, policy(policyInput), context(extra));
  expect(findings).toHaveLength(1);
  expectWellFormed(findings[0]!, rule, snapshot);
  return findings[0]!;
}

const withEntries = (accessEntries: AccessEntrySnapshot[]) => cluster({ accessConfig: { authenticationMode: "API" }, accessEntries });

describe("access-cluster-admin", () => {
  it("is CRITICAL for a principal outside the organisation's accounts, and names every admin, policy and scope", () => {
    const finding = judge("access-cluster-admin", withEntries([entry(OUTSIDER, [[ADMIN, "cluster"]]), entry(OWN_ROLE, [[EKS_ADMIN, "cluster"]]), entry("arn:aws:iam::111122223333:role/dev", [[VIEW, "namespace", ["team-a"]]])]));
    expect(finding).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect(finding.message).toContain(OUTSIDER);
    expect(finding.message).toContain(OWN_ROLE);
    expect(finding.evidence.admins).toEqual([
      expect.objectContaining({ principalArn: OUTSIDER, account: "999988887777", outsideOwnAccounts: true, severity: "CRITICAL", policies: [expect.objectContaining({ policy: "AmazonEKSClusterAdminPolicy", scope: "cluster", namespaces: [] })] }),
      expect.objectContaining({ principalArn: OWN_ROLE, severity: "HIGH", policies: [expect.objectContaining({ policy: "AmazonEKSAdminPolicy", scope: "cluster" })] }),
    ]);
    // The undo of the worst grant: its one policy disassociated.
    expect(finding.remediation.command).toBe(`aws eks disassociate-access-policy --region eu-west-1 --cluster-name payments-prod --principal-arn ${OUTSIDER} --policy-arn ${ADMIN}`);
  });

  it("is HIGH for an own-account role not allowlisted, and for a principal of a member account", () => {
    expect(judge("access-cluster-admin", withEntries([entry(OWN_ROLE, [[ADMIN, "namespace", ["x"]]])])).severity).toBe("HIGH");
    const member = judge("access-cluster-admin", withEntries([entry(OUTSIDER, [[ADMIN, "cluster"]])]), { accounts: [{ id: "999988887777" }] });
    expect(member).toMatchObject({ status: "FAIL", severity: "HIGH" });
    const deployment = judge("access-cluster-admin", withEntries([entry(OUTSIDER, [[ADMIN, "cluster"]])]), {}, { deploymentAccount: "999988887777" });
    expect(deployment.severity).toBe("HIGH");
  });

  it("passes an allowlisted role, but an IAM user is at least HIGH even when allowlisted", () => {
    const allowlisted = { access: { admins: ["arn:aws:iam::111122223333:role/platform-*", USER] } };
    expect(judge("access-cluster-admin", withEntries([entry(OWN_ROLE, [[ADMIN, "cluster"]])]), allowlisted)).toMatchObject({ status: "PASS" });
    const user = judge("access-cluster-admin", withEntries([entry(OWN_ROLE, [[ADMIN, "cluster"]]), entry(USER, [[ADMIN, "cluster"]])]), allowlisted);
    expect(user).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(user.message).toContain(`${USER} (an IAM user (long-lived keys), allowlisted)`);
  });

  it("counts system:masters as admin (undo: delete the entry) and ignores namespace-scoped AdminPolicy", () => {
    const masters = judge("access-cluster-admin", withEntries([entry(OWN_ROLE, [], { kubernetesGroups: ["system:masters"] })]));
    expect(masters).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(masters.remediation.command).toBe(`aws eks delete-access-entry --region eu-west-1 --cluster-name payments-prod --principal-arn ${OWN_ROLE}`);
    expect(judge("access-cluster-admin", withEntries([entry(OWN_ROLE, [[EKS_ADMIN, "namespace", ["team-a"]]])])).status).toBe("PASS");
  });

  it("is ERROR, never PASS, when an entry could not be read or the entries were not read; a known bad grant still FAILs", () => {
    const unreadable = entry("arn:aws:iam::111122223333:role/hidden", [], { unreadable: "access denied to eks:DescribeAccessEntry" });
    const error = judge("access-cluster-admin", withEntries([unreadable]));
    expect(error.status).toBe("ERROR");
    expect(error.evidence.unreadable).toEqual([{ principalArn: "arn:aws:iam::111122223333:role/hidden", reason: "access denied to eks:DescribeAccessEntry" }]);
    expect(judge("access-cluster-admin", cluster({ accessConfig: { authenticationMode: "API" } })).status).toBe("ERROR");
    expect(judge("access-cluster-admin", withEntries([unreadable, entry(OUTSIDER, [[ADMIN, "cluster"]])])).status).toBe("FAIL");
  });
});

describe("access-authentication-mode", () => {
  it.each([
    ["CONFIG_MAP", "FAIL", "MEDIUM", "authenticationMode=API_AND_CONFIG_MAP"],
    ["API_AND_CONFIG_MAP", "FAIL", "LOW", "authenticationMode=API"],
    ["API", "PASS", "MEDIUM", "authenticationMode=API_AND_CONFIG_MAP"],
  ])("%s: %s %s", (mode, status, severity, command) => {
    const finding = judge("access-authentication-mode", cluster({ accessConfig: { authenticationMode: mode } }));
    expect(finding).toMatchObject({ status, severity });
    expect(finding.remediation.command).toBe(`aws eks update-cluster-config --region eu-west-1 --name payments-prod --access-config ${command}`);
  });

  it("reads a record without accessConfig as CONFIG_MAP, and an unknown mode as ERROR", () => {
    expect(judge("access-authentication-mode", cluster())).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { authenticationMode: "CONFIG_MAP", defaulted: true } });
    expect(judge("access-authentication-mode", cluster({ accessConfig: { authenticationMode: "IAM_ONLY" } })).status).toBe("ERROR");
  });
});

describe("access-identity-providers", () => {
  const provider = (name: string, issuerUrl: string) => ({ name, type: "oidc", issuerUrl, clientId: "kube", status: "ACTIVE" });

  it("fails MEDIUM on an issuer not in policy.access.identityProviders, with the undo command", () => {
    const finding = judge("access-identity-providers", cluster({ identityProviders: [provider("okta", "https://example.okta.com/"), provider("other", "https://evil.example")] }), { access: { identityProviders: ["https://example.okta.com"] } });
    expect(finding).toMatchObject({ status: "FAIL", severity: "MEDIUM" });
    expect(finding.message).toContain("other (https://evil.example)");
    expect(finding.message).not.toContain("okta (");
    expect(finding.remediation.command).toBe("aws eks disassociate-identity-provider-config --region eu-west-1 --cluster-name payments-prod --identity-provider-config type=oidc,name=other");
  });

  it("passes trusted or no providers; ERROR for an unreadable one or providers not read", () => {
    expect(judge("access-identity-providers", cluster({ identityProviders: [provider("okta", "https://example.okta.com")] }), { access: { identityProviders: ["https://example.okta.com/"] } }).status).toBe("PASS");
    expect(judge("access-identity-providers", cluster({ identityProviders: [] })).status).toBe("PASS");
    expect(judge("access-identity-providers", cluster({ identityProviders: [{ name: "x", type: "oidc", unreadable: "denied" }] })).status).toBe("ERROR");
    expect(judge("access-identity-providers", cluster()).status).toBe("ERROR");
  });
});

describe("access-creator-admin", () => {
  const created = new Date(NOW.getTime() - 10 * 24 * 3600 * 1000);
  const creator = (createdAt: Date) => entry("arn:aws:iam::111122223333:role/terraform-ci", [[ADMIN, "cluster"]], { createdAt: new Date(createdAt.getTime() + 8 * 60 * 1000) });

  it("fails LOW when the bootstrap admin outlives creatorAdminMaxDays, with delete-access-entry", () => {
    const snapshot = cluster({ createdAt: created, accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true }, accessEntries: [creator(created)] });
    const finding = judge("access-creator-admin", snapshot);
    expect(finding).toMatchObject({ status: "FAIL", severity: "LOW", evidence: { creatorPrincipal: "arn:aws:iam::111122223333:role/terraform-ci" } });
    expect(finding.remediation.command).toBe("aws eks delete-access-entry --region eu-west-1 --cluster-name payments-prod --principal-arn arn:aws:iam::111122223333:role/terraform-ci");
    expect(judge("access-creator-admin", snapshot, { access: { creatorAdminMaxDays: 30 } }).status).toBe("PASS");
    expect(judge("access-creator-admin", snapshot, { access: { admins: ["arn:aws:iam::111122223333:role/terraform-ci"] } }).status).toBe("PASS");
  });

  it("does not take a later admin grant for the bootstrap one", () => {
    const later = entry("arn:aws:iam::111122223333:role/ops", [[ADMIN, "cluster"]], { createdAt: new Date(created.getTime() + 2 * 24 * 3600 * 1000) });
    expect(judge("access-creator-admin", cluster({ createdAt: created, accessEntries: [later] })).status).toBe("PASS");
  });
});
