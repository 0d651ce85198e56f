// scenarios/access.json through the real CLI and the whole local system: an admin grant to an outside account's role
// alerted within its event (who granted what to whom, the undo), the undo, a quiet grant to the allowlisted platform
// role, and a cluster created on the aws-auth ConfigMap.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO, runJsonl, type CliRun, type RunLine } from "./scenario-helpers.ts";

const CONTRACTOR = "arn:aws:iam::999988887777:role/contractor";
const ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

describe("eks-warden run scenarios/access.json --format jsonl", () => {
  let run: CliRun;
  let lines: RunLine[];
  beforeAll(async () => {
    ({ run, lines } = await runJsonl(join(REPO, "scenarios/access.json")));
  }, 180_000);
  const accessAlerts = () => lines.filter((line) => line.type === "notification" && String(line.attributes?.["ruleId"]).startsWith("access-"));

  it("holds every expectation", () => {
    expect(run.stderr).not.toMatch(/EXPECTATION|line \d+: expected|dead-letter/);
    expect(run.code).toBe(0);
  });

  it("serves the access calls and the creation as CloudTrail calls", () => {
    expect(lines.filter((line) => line.type === "call").map((line) => line.eventName)).toEqual([
      "CreateAccessEntry",
      "AssociateAccessPolicy",
      "DisassociateAccessPolicy",
      "CreateAccessEntry",
      "AssociateAccessPolicy",
      "CreateCluster",
    ]);
  });

  it("alerts the outside grant CRITICAL within its event, naming grantor, source IP, grantee, policy, scope and the undo; the allowlisted grant not at all", () => {
    expect(accessAlerts().map((line) => [line.attributes!["cluster"], line.attributes!["ruleId"], line.attributes!["transition"], line.attributes!["severity"]])).toEqual([
      ["payments-prod", "access-cluster-admin", "OPENED", "CRITICAL"],
      ["payments-prod", "access-cluster-admin", "RESOLVED", "CRITICAL"],
      ["sandbox-configmap", "access-authentication-mode", "OPENED", "MEDIUM"],
    ]);
    const grant = accessAlerts()[0]!;
    expect(grant.subject).toBe("[CRITICAL] payments-prod (eu-west-1): cluster admin: role contractor (999988887777)");
    expect(grant.text).toContain("Who:          arn:aws:sts::111111111111:assumed-role/Admin/mallory (AssumedRole, session of arn:aws:iam::111111111111:role/Admin)");
    expect(grant.text).toContain("Source IP:    203.0.113.66");
    expect(grant.text).toContain(`Change:       granted AmazonEKSClusterAdminPolicy (cluster scope) to ${CONTRACTOR}`);
    expect(grant.text).toContain(`aws eks disassociate-access-policy --region eu-west-1 --cluster-name payments-prod --principal-arn ${CONTRACTOR} --policy-arn ${ADMIN_POLICY}`);
  });

  it("the undo, ten minutes later, is PASS at once and one RESOLVED alert naming who undid what, the grantees by name", () => {
    const admin = lines.find((line) => line.type === "state" && String(line["clusterArn"]).endsWith("cluster/payments-prod") && line["ruleId"] === "access-cluster-admin")!;
    expect(admin["status"]).toBe("PASS");
    expect(admin["message"]).toBe("EKS cluster payments-prod (eu-west-1): cluster admin is held only by allowlisted roles (arn:aws:iam::111111111111:role/platform-admin).");
    expect(admin["alerts"]).not.toHaveProperty("held");
    const undo = accessAlerts()[1]!;
    expect(undo.subject).toMatch(/^\[RESOLVED\] payments-prod \(eu-west-1\)/);
    expect(undo.text).toContain("Who:          arn:aws:iam::111111111111:user/alice (IAMUser alice)");
    expect(undo.text).toContain(`Change:       took AmazonEKSClusterAdminPolicy away from ${CONTRACTOR}`);
    expect(undo.text).toContain(`admins: ["${CONTRACTOR}"] -> []`);
  });

  it("a cluster created in CONFIG_MAP is a MEDIUM finding naming the one-way switch", () => {
    const mode = accessAlerts()[2]!;
    expect(mode.text).toContain("Who:          arn:aws:sts::111111111111:assumed-role/platform-admin/bob");
    expect(mode.text).toContain("aws eks update-cluster-config --region eu-west-1 --name sandbox-configmap --access-config authenticationMode=API_AND_CONFIG_MAP");
  });
});
