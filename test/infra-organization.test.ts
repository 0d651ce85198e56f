// One deployment for an AWS Organization, read from the synthesised CloudFormation: the central bus accepts events
// from the organisation only and its rule reads it with the shared pattern; the central functions may assume exactly
// the member roles the policy names; and the member templates (forwarder, read-only role, remediation role) grant what
// docs/design.md says and nothing more, cdk-nag clean. Its own test file because SST synthesises one app per process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { clusterEventPattern } from "@eks-warden/core/events";
import { matchesTamperPattern, type TamperPattern } from "@eks-warden/core/tamper";
import type { Synthesized } from "../packages/cli/src/commands/synth.ts";
import { memberReadActions } from "../stacks/Organization.ts";
import { allPolicyStatements, resourcesOfType, synthesizeWithConfig } from "./infra-support.ts";

const READ = (account: string) => `arn:aws:iam::${account}:role/eks-warden-member-read`;
const REMEDIATE = (account: string) => `arn:aws:iam::${account}:role/eks-warden-member-remediate`;
const PARAMETER = (account: string) => `/eks-warden/external-id/${account}`;
/** The external id the member roles require: it lives in the SSM parameters, so it must appear in no template. */
const EXTERNAL_ID = "eks-warden-7f3a9c";

const organization = {
  _what: "test configuration: an organisation, two member accounts (one without a remediation role), three regions",
  region: "eu-west-1",
  organization: { id: "o-a1b2c3d4e5", forwarderRegions: ["us-east-1", "ap-southeast-2"] },
  policy: {
    remediation: { mode: "enforce", action: "private" },
    regions: ["eu-west-1", "us-east-1", "ap-southeast-2"],
    accounts: [
      { id: "222222222222", roleArn: READ("222222222222"), remediationRoleArn: REMEDIATE("222222222222"), externalIdParameter: PARAMETER("222222222222") },
      { id: "333333333333", roleArn: READ("333333333333"), externalIdParameter: PARAMETER("333333333333") },
    ],
  },
};

let synthesized: Synthesized;
let template: Template;
const member = (suffix: string) => {
  const artifact = synthesized.memberAssembly!.stacks.find((stack) => stack.stackName === `org-eks-warden-Warden-${suffix}`)!;
  return Template.fromJSON(artifact.template as Record<string, unknown>);
};

beforeAll(async () => {
  ({ synthesized, template } = await synthesizeWithConfig("org", organization));
}, 180_000);

type Json = Record<string, unknown>;
/** The permission statements (trust policies left out: they are checked on their own). */
const granted = (t: Template) => allPolicyStatements(t).filter(({ where }) => !where.endsWith(":trust"));
const policyDocuments = (t: Template) => Object.values(resourcesOfType(t, "AWS::IAM::Role")).map((role) => role.Properties as Json);

describe("an organisation deployment", () => {
  it("synthesises the central stack and the three member templates, all clean under cdk-nag AwsSolutions", () => {
    expect(synthesized.stackNames).toEqual(["org-eks-warden-Warden"]);
    expect(synthesized.memberAssembly!.stacks.map((stack) => stack.stackName).sort()).toEqual([
      "org-eks-warden-Warden-forwarder",
      "org-eks-warden-Warden-member-read-role",
      "org-eks-warden-Warden-member-remediation-role",
    ]);
    expect(synthesized.nagFindings).toEqual([]);
  });

  it("opens the central bus to PutEvents from the organisation's accounts only, and reads it with the shared pattern into cluster-event", () => {
    const [bus] = Object.values(resourcesOfType(template, "AWS::Events::EventBus"));
    expect(bus!.Properties).toMatchObject({ Name: "org-eks-warden-Warden-central" });
    const policies = Object.values(resourcesOfType(template, "AWS::Events::EventBusPolicy"));
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties).toMatchObject({
      Statement: { Sid: "cdk-OrganizationAccountsForwardEksEvents", Effect: "Allow", Principal: { AWS: "*" }, Action: "events:PutEvents", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } },
    });
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule")).filter((rule) => (rule.Properties as Json)["Name"] === "org-eks-warden-Warden-org-cluster-events");
    expect(rules).toHaveLength(1);
    expect((rules[0]!.Properties as Json)["EventPattern"]).toEqual(JSON.parse(JSON.stringify(clusterEventPattern)));
    expect(JSON.stringify((rules[0]!.Properties as Json)["EventBusName"])).toContain("CentralEventBus");
    expect(JSON.stringify((rules[0]!.Properties as Json)["Targets"])).toMatch(/"Arn":\{"Fn::GetAtt":\["ClusterEventQueue[0-9A-F]{8}","Arn"\]\}/);
    template.hasOutput("CentralEventBusArn", {});
  });

  it("lets exactly the two cluster-event rules (the default bus's and the central bus's) send to the event queue, nobody else", () => {
    const ruleIds = Object.entries(resourcesOfType(template, "AWS::Events::Rule"))
      .filter(([, rule]) => /-(org-)?cluster-events$/.test(String((rule.Properties as Json)["Name"])))
      .map(([id]) => id)
      .sort();
    expect(ruleIds).toHaveLength(2);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation is untyped JSON.
    const statements = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy")).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const deny = statements.find((statement) => statement["Sid"] === "OnlyTheEventRulesSend");
    expect(deny).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:SendMessage" });
    const allowed = (deny!["Condition"]["ArnNotEquals"]["aws:SourceArn"] as { "Fn::GetAtt": string[] }[]).map((arn) => arn["Fn::GetAtt"][0]!).sort();
    expect(allowed).toEqual(ruleIds);
  });

  it("reports the central bus re-policied or deleted (CRITICAL tamper rules on this bus only), and the rule reading it changed", () => {
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule")).map((rule) => rule.Properties as Json);
    const tamperPatterns = new Map(
      rules.filter((rule) => String(rule["Name"]).startsWith("org-eks-warden-Warden-tamper-")).map((rule) => [String(rule["Name"]).replace("org-eks-warden-Warden-tamper-", ""), rule["EventPattern"] as TamperPattern]),
    );
    const caught = (eventName: string, requestParameters: Json) => {
      const event = { source: "aws.events", "detail-type": "AWS API Call via CloudTrail", detail: { eventSource: "events.amazonaws.com", eventName, requestParameters } };
      return [...tamperPatterns].filter(([, pattern]) => matchesTamperPattern(pattern, event)).map(([id]) => id);
    };
    const bus = "org-eks-warden-Warden-central";
    expect(caught("RemovePermission", { statementId: "cdk-OrganizationAccountsForwardEksEvents", eventBusName: bus })).toEqual(["bus-policy"]);
    expect(caught("PutPermission", { eventBusName: bus, action: "events:PutEvents", principal: "*", statementId: "open" })).toEqual(["bus-policy"]);
    expect(caught("DeleteEventBus", { name: bus })).toEqual(["bus"]);
    expect(caught("RemovePermission", { statementId: "x", eventBusName: "someone-elses-bus" })).toEqual([]);
    expect(caught("DeleteEventBus", { name: "someone-elses-bus" })).toEqual([]);
    expect(caught("PutPermission", { action: "events:PutEvents", principal: "444455556666", statementId: "default-bus" })).toEqual([]);
    expect(caught("DisableRule", { name: "org-eks-warden-Warden-org-cluster-events", eventBusName: bus })).toEqual(["rule"]);
    expect(caught("RemoveTargets", { rule: "org-eks-warden-Warden-org-cluster-events", eventBusName: bus, ids: ["Target0"] })).toEqual(["targets"]);
    // The bus's own tamper rules are rules of the stack too, watched like the others.
    expect(caught("DisableRule", { name: "org-eks-warden-Warden-tamper-bus-policy" })).toEqual(["rule"]);
  });

  it("lets the readers assume exactly the member read roles, and only settle (under enforce) the remediation roles", () => {
    const assumed = granted(template).filter(({ statement }) => [statement.Action].flat().includes("sts:AssumeRole"));
    const byRole = new Map<string, string[]>();
    for (const { where, statement } of assumed) {
      const role = where.split(":")[0]!;
      byRole.set(role, [...(byRole.get(role) ?? []), `${String(statement.Sid)} ${JSON.stringify(statement.Resource)}`]);
    }
    const reads = `AssumeMemberReadRoles ${JSON.stringify([READ("222222222222"), READ("333333333333")])}`;
    const roles = [...byRole.keys()].sort();
    expect(roles).toEqual([expect.stringMatching(/^ClusterEventRole/), expect.stringMatching(/^DigestRole/), expect.stringMatching(/^SettleRole/), expect.stringMatching(/^SweepRole/)]);
    for (const role of roles) {
      expect(byRole.get(role)).toEqual(role.startsWith("SettleRole") ? [reads, `AssumeMemberRemediationRoles ${JSON.stringify(REMEDIATE("222222222222"))}`] : [reads]);
    }
    // Fixed names, so the member roles' trust policies can name them.
    const names = policyDocuments(template).map((role) => role["RoleName"]).filter(Boolean).sort();
    expect(names).toEqual(["org-eks-warden-Warden-ClusterEvent", "org-eks-warden-Warden-Digest", "org-eks-warden-Warden-Settle", "org-eks-warden-Warden-Sweep"]);
  });

  it("keeps the external id out of every template: the functions read it from its SSM parameter, with exactly that grant", () => {
    const templates = [template.toJSON(), ...synthesized.memberAssembly!.stacks.map((stack) => stack.template as unknown)];
    for (const json of templates) expect(JSON.stringify(json)).not.toContain(EXTERNAL_ID);
    const environments = Object.values(resourcesOfType(template, "AWS::Lambda::Function")).map((fn) => JSON.stringify((fn.Properties as Json)["Environment"] ?? {}));
    expect(environments.filter((environment) => environment.includes("externalIdParameter")).length).toBeGreaterThan(0);
    const byRole = new Map<string, string[]>();
    for (const { where, statement } of granted(template)) {
      const actions = [statement.Action].flat();
      // kms:Decrypt through SSM: the queue and topic keys' own kms:Decrypt grants are not this one's business.
      const throughSsm = actions.includes("kms:Decrypt") && JSON.stringify(statement.Condition ?? {}).includes("ssm.");
      if (!actions.includes("ssm:GetParameter") && !throughSsm) continue;
      const role = where.split(":")[0]!;
      byRole.set(role, [...(byRole.get(role) ?? []), JSON.stringify({ Sid: statement.Sid, Action: statement.Action, Resource: statement.Resource, Condition: statement.Condition })]);
    }
    expect([...byRole.keys()].sort()).toEqual([expect.stringMatching(/^ClusterEventRole/), expect.stringMatching(/^DigestRole/), expect.stringMatching(/^SettleRole/), expect.stringMatching(/^SweepRole/)]);
    for (const grants of byRole.values()) {
      expect(grants).toHaveLength(2);
      const [read, decrypt] = grants.map((grant) => JSON.parse(grant) as Json);
      expect(read).toMatchObject({ Sid: "ReadExternalIdParameters", Action: "ssm:GetParameter" });
      const parameterArns = [read!["Resource"]].flat().map((arn) => JSON.stringify(arn));
      expect(parameterArns).toHaveLength(2);
      for (const [index, account] of ["222222222222", "333333333333"].entries()) expect(parameterArns[index]).toMatch(new RegExp(`:ssm:eu-west-1:.*:parameter${PARAMETER(account)}"`));
      expect(decrypt).toMatchObject({ Sid: "DecryptExternalIdParameters", Action: "kms:Decrypt", Condition: { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } } });
      expect(((decrypt!["Condition"] as Json)["StringEquals"] as Json)["kms:EncryptionContext:PARAMETER_ARN"]).toEqual(read!["Resource"]);
    }
  });

  it.skipIf(spawnSync("cfn-lint", ["--version"]).status !== 0)("passes cfn-lint, the external id grants included (but CDK's redundant DependsOn of a function on its role, W3005)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "warden-org-")), "central.template.json");
    writeFileSync(file, JSON.stringify(template.toJSON()));
    const result = spawnSync("cfn-lint", ["--format", "parseable", "--", file], { encoding: "utf8" });
    const findings = result.stdout.trim().split("\n").filter(Boolean);
    expect(findings.filter((line) => !/:W3005:'[A-Za-z]+Role[0-9A-F]{8}' dependency already enforced by a 'GetAtt'/.test(line))).toEqual([]);
    expect(result.stderr).toBe("");
  }, 120_000);

  it("ships a forwarder: one rule with the shared pattern, targeting the central bus through a role that may put events there only", () => {
    const forwarder = member("forwarder");
    const rules = Object.values(resourcesOfType(forwarder, "AWS::Events::Rule"));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties as Json;
    expect(rule["EventPattern"]).toEqual(JSON.parse(JSON.stringify(clusterEventPattern)));
    expect(rule["Targets"]).toEqual([expect.objectContaining({ Arn: { Ref: "CentralEventBusArn" } })]);
    const statements = granted(forwarder).map(({ statement }) => statement);
    expect(statements).toEqual([expect.objectContaining({ Effect: "Allow", Action: "events:PutEvents", Resource: { Ref: "CentralEventBusArn" } })]);
    const [role] = policyDocuments(forwarder);
    expect(role!["AssumeRolePolicyDocument"]).toMatchObject({ Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "events.amazonaws.com" } }] });
  });

  it("ships a read-only role trusting only the central readers' roles with the external id, granting exactly the EKS reads the rules declare", () => {
    const readRole = member("member-read-role");
    const [role] = policyDocuments(readRole);
    expect(role!["RoleName"]).toBe("eks-warden-member-read");
    const trust = JSON.stringify(role!["AssumeRolePolicyDocument"]);
    for (const fn of ["ClusterEvent", "Settle", "Sweep", "Digest"]) expect(trust).toContain(`:role/org-eks-warden-Warden-${fn}`);
    expect(trust).toContain('"sts:ExternalId":{"Ref":"ExternalId"}');
    expect(trust).toContain('"ArnEquals":{"aws:PrincipalArn"');
    const actions = granted(readRole).flatMap(({ statement }) => [statement.Action].flat() as string[]);
    expect([...new Set(actions)].sort()).toEqual(memberReadActions());
    expect(actions.every((action) => action.startsWith("eks:") && (action.includes(":Describe") || action.includes(":List")))).toBe(true);
    const parameters = readRole.toJSON()["Parameters"] as Json;
    expect(parameters["ExternalId"]).toMatchObject({ NoEcho: true });
  });

  it("ships a remediation role trusting only the central settle role, allowed eks:UpdateClusterConfig alone, with no Deny keyed on a tag anyone may set", () => {
    const remediationRole = member("member-remediation-role");
    const [role] = policyDocuments(remediationRole);
    expect(role!["RoleName"]).toBe("eks-warden-member-remediate");
    const trust = JSON.stringify(role!["AssumeRolePolicyDocument"]);
    expect(trust).toContain(":role/org-eks-warden-Warden-Settle");
    expect(trust).not.toContain("Sweep");
    const statements = granted(remediationRole).map(({ statement }) => statement);
    expect(statements.map((statement) => [statement.Sid, statement.Effect, statement.Action])).toEqual([
      ["CloseEndpoints", "Allow", "eks:UpdateClusterConfig"],
      // No Deny keyed on a tag (issue 22, item 8): the exemption or opt-out tag anyone may set no longer keeps the
      // call away; only an honoured exemption or override (its setter listed by the policy) stops remediation, in code.
    ]);
  });
});
