// The stack on a kept stage with a configuration that enforces remediation, watches two regions, mails two people
// the alerts and one of them the health notices, keeps history 730 days and lets only "dev" be destroyed: remediation
// permission appears (scoped to clusters), state is retained and deletion-protected.
// Its own test file because SST synthesises one app per process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "@eks-warden/core";
import type { Synthesized } from "../packages/cli/src/commands/synth.ts";
import { CONFIG_PATH_VARIABLE, keepsState, loadDeploymentConfig, parseDeploymentConfig } from "../stacks/config.ts";
import { refuseInlineExternalIds } from "../stacks/external-ids.ts";
import { deploymentConfigOrExit } from "../stacks/config-report.ts";
import { scopeActions } from "../stacks/permissions.ts";
import { allPolicyStatements, nagReportRows, resourcesOfType, synthesizeWithConfig, wardenFunctions } from "./infra-support.ts";

const enforcing = {
  _what: "test configuration: remediation enforced, two regions, two alert addresses",
  region: "eu-west-1",
  logRetentionDays: 365,
  historyRetentionDays: 730,
  ephemeralStages: ["dev"],
  healthEmails: ["oncall@example.com"],
  policy: {
    remediation: { mode: "enforce", action: "private" },
    regions: ["eu-west-1", "eu-central-1"],
    accounts: [{ id: "444455556666" }],
    alertEmails: ["oncall@example.com", "security@example.com"],
  },
};

let synthesized: Synthesized;
let template: Template;
let outDir: string;

beforeAll(async () => {
  ({ synthesized, template, outDir } = await synthesizeWithConfig("prod", enforcing));
}, 180_000);

describe("a protected stage that enforces remediation", () => {
  it("is still clean under cdk-nag AwsSolutions", () => {
    expect(synthesized.stackNames).toEqual(["prod-eks-warden-Warden"]);
    expect(synthesized.nagFindings).toEqual([]);
  });

  it("lets only the remediating function (settle) call eks:UpdateClusterConfig, on the configured accounts' and regions' clusters, with no Deny keyed on a tag anyone may set", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    const remediating = allPolicyStatements(template).filter(({ statement }) => [statement.Action].flat().includes("eks:UpdateClusterConfig"));
    // One policy of its own, attached to the settle role alone.
    expect([...new Set(remediating.map(({ where }) => where))]).toEqual([expect.stringMatching(new RegExp(`^${settle.roleId}:SettleRemediationPolicy`))]);
    expect(remediating.some(({ where }) => where.startsWith(`${clusterEvent.roleId}:`))).toBe(false);
    const [allow, ...denies] = remediating.map(({ statement }) => statement);
    expect(allow).toMatchObject({ Effect: "Allow", Action: "eks:UpdateClusterConfig" });
    const resources = [allow.Resource].flat().map((resource) => JSON.stringify(resource));
    expect(resources).toEqual([
      expect.stringMatching(/:eks:eu-west-1:.*AWS::AccountId.*:cluster\/\*/),
      expect.stringMatching(/:eks:eu-central-1:.*AWS::AccountId.*:cluster\/\*/),
      expect.stringMatching(/:eks:eu-west-1:444455556666:cluster\/\*/),
      expect.stringMatching(/:eks:eu-central-1:444455556666:cluster\/\*/),
    ]);
    // No Deny keyed on a tag (issue 22, item 8): anyone with eks:TagResource could set eks-warden:exempt or
    // eks-warden:remediation=opt-out and make it apply; only an honoured exemption or override stops remediation, in code.
    expect(denies).toEqual([]);
  });

  it("suppresses the write's wildcard finding on its own policy, naming eks:UpdateClusterConfig alone", () => {
    const rows = nagReportRows(outDir, "prod-eks-warden-Warden").filter((row) => row.compliance === "Suppressed" && row.resource.includes("SettleRemediationPolicy"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.ruleId).toBe("AwsSolutions-IAM5");
      expect(row.reason).toMatch(/eks:UpdateClusterConfig alone/);
      expect(row.reason).toMatch(/^\[Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:(<AWS::AccountId>|444455556666):cluster\/\*\]/);
    }
    // The read suppressions of the function roles do not mention the write.
    const reads = nagReportRows(outDir, "prod-eks-warden-Warden").filter((row) => row.compliance === "Suppressed" && !row.resource.includes("SettleRemediationPolicy"));
    for (const row of reads) expect(row.reason).not.toMatch(/UpdateClusterConfig/);
  });

  it("tells both functions the remediating role, so its own CloudTrail events are recognised", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) expect(fn.properties.Environment.Variables.REMEDIATION_ROLE_ARN).toEqual({ "Fn::GetAtt": [settle.roleId, "Arn"] });
  });

  it("hands the functions the configured policy, validated", () => {
    const { clusterEvent } = wardenFunctions(template);
    const policy = JSON.parse(clusterEvent.properties.Environment.Variables.POLICY as string);
    expect(policy).toEqual(JSON.parse(JSON.stringify(parsePolicy(enforcing.policy))));
    expect(policy.remediation.mode).toBe("enforce");
  });

  it("subscribes every configured address to the alerts topic by e-mail, and healthEmails to the health topic", () => {
    const subscriptions = Object.values(resourcesOfType(template, "AWS::SNS::Subscription")).map((subscription) => subscription.Properties);
    const to = (topic: string) =>
      subscriptions.filter((subscription) => subscription.TopicArn.Ref.startsWith(topic)).map((subscription) => [subscription.Protocol, subscription.Endpoint]).sort();
    expect(subscriptions).toHaveLength(3);
    expect(to("AlertsTopic")).toEqual([
      ["email", "oncall@example.com"],
      ["email", "security@example.com"],
    ]);
    expect(to("HealthTopic")).toEqual([["email", "oncall@example.com"]]);
  });

  it("hands the functions the configured history retention", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) expect(fn.properties.Environment.Variables.HISTORY_RETENTION_DAYS).toBe("730");
  });

  it("retains and deletion-protects the state, and keeps the key and the logs", () => {
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain", Properties: { DeletionProtectionEnabled: true } });
    for (const key of Object.values(resourcesOfType(template, "AWS::KMS::Key"))) expect(key.DeletionPolicy).toBe("Retain");
    for (const group of Object.values(resourcesOfType(template, "AWS::Logs::LogGroup"))) {
      expect(group.DeletionPolicy).toBe("Retain");
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });
});

describe("IAM scoping of rule permissions", () => {
  const context = { partition: "aws", account: "111122223333", regions: ["eu-west-1"] };

  it("stops the synth for an action with no known resource scope, instead of granting it on *", () => {
    expect(() => scopeActions(["eks:DescribeCluster", "eks:ListFargateProfiles"], context)).toThrow(/eks:ListFargateProfiles" has no resource scope in stacks\/permissions\.ts/);
  });

  it("refuses wildcard actions", () => {
    expect(() => scopeActions(["eks:Describe*"], context)).toThrow(/wildcard actions are not allowed/);
  });

  it("scopes the AMI release parameters to AWS's public EKS and Bottlerocket paths", () => {
    expect(scopeActions(["ssm:GetParameter", "ssm:GetParameters"], context)).toEqual([
      {
        actions: ["ssm:GetParameter", "ssm:GetParameters"],
        resources: ["arn:aws:ssm:eu-west-1::parameter/aws/service/eks/optimized-ami/*", "arn:aws:ssm:eu-west-1::parameter/aws/service/bottlerocket/*"],
      },
    ]);
  });
});

describe("deployment configuration", () => {
  it("accepts the example file shipped at the repository root", () => {
    const example = JSON.parse(readFileSync(new URL("../warden.config.example.json", import.meta.url), "utf8"));
    const config = parseDeploymentConfig(example, "warden.config.example.json");
    expect(config.region).toBe("eu-west-1");
    expect(config.policy.alertEmails).toEqual(["platform-security@example.com"]);
    expect(config).toMatchObject({ historyRetentionDays: 400, ephemeralStages: ["dev"], healthEmails: ["platform-oncall@example.com", "platform-security@example.com"] });
  });

  it("keeps every stage's state by default; only the listed ephemeral stages may be destroyed", () => {
    const defaults = parseDeploymentConfig({}, "defaults");
    expect(defaults).toMatchObject({ historyRetentionDays: 400, ephemeralStages: [], healthEmails: [] });
    for (const stage of ["prod", "production", "test", "dev", "synth"]) expect(keepsState(defaults, stage), stage).toBe(true);
    const withDev = parseDeploymentConfig({ ephemeralStages: ["dev", "pr-42"] }, "warden.config.json");
    expect(keepsState(withDev, "dev")).toBe(false);
    expect(keepsState(withDev, "pr-42")).toBe(false);
    expect(keepsState(withDev, "prod")).toBe(true);
  });

  it("refuses an inline external id for a deployed stage, naming the account entry and the SSM parameter to use instead", () => {
    const accounts = (second: Record<string, string>) => ({ policy: { accounts: [{ id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/r", externalIdParameter: "/eks-warden/external-id/222222222222" }, { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/r", ...second }] } });
    const inline = parseDeploymentConfig(accounts({ externalId: "eks-warden-7f3a9c" }), "warden.config.json");
    expect(() => refuseInlineExternalIds(inline)).toThrow(
      /warden\.config\.json: invalid deployment configuration: policy\.accounts\[1\]\.externalId: a deployed stage does not take the external id inline .* name that in externalIdParameter/,
    );
    expect(() => refuseInlineExternalIds(parseDeploymentConfig(accounts({ externalIdParameter: "/eks-warden/external-id/333333333333" }), "warden.config.json"))).not.toThrow();
  });

  it("refuses the old protectedStages key, saying to use ephemeralStages, instead of silently ignoring it", () => {
    expect(() => parseDeploymentConfig({ protectedStages: ["prod"] }, "warden.config.json")).toThrow(
      /warden\.config\.json: invalid deployment configuration: protectedStages: no longer read: every stage now retains and deletion-protects its state; .*"ephemeralStages"/,
    );
    expect(() => parseDeploymentConfig({ protectedStages: ["prod"] }, "warden.config.json")).not.toThrow(/unknown setting/);
  });

  it("validates historyRetentionDays, ephemeralStages and healthEmails, naming the field", () => {
    for (const days of [0, 3654, 1.5, "400"]) {
      expect(() => parseDeploymentConfig({ historyRetentionDays: days }, "c.json"), String(days)).toThrow(/historyRetentionDays: expected whole days from 1 to 3653/);
    }
    expect(parseDeploymentConfig({ historyRetentionDays: 3653 }, "c.json").historyRetentionDays).toBe(3653);
    expect(() => parseDeploymentConfig({ ephemeralStages: ["dev", "9lives"] }, "c.json")).toThrow(/ephemeralStages: expected a list of stage names/);
    expect(() => parseDeploymentConfig({ ephemeralStages: "dev" }, "c.json")).toThrow(/ephemeralStages: expected a list of stage names/);
    expect(() => parseDeploymentConfig({ healthEmails: ["oncall@example.com", "not-an-address"] }, "c.json")).toThrow(/healthEmails\[1\]: "not-an-address" is not an email address/);
    expect(() => parseDeploymentConfig({ healthEmails: "oncall@example.com" }, "c.json")).toThrow(/healthEmails: expected a list of e-mail addresses/);
    // Default: the alert addresses; an explicit empty list means no health e-mail at all.
    expect(parseDeploymentConfig({ policy: { alertEmails: ["a@example.com"] } }, "c.json").healthEmails).toEqual(["a@example.com"]);
    expect(parseDeploymentConfig({ healthEmails: [], policy: { alertEmails: ["a@example.com"] } }, "c.json").healthEmails).toEqual([]);
  });

  it("names each wrong field and what it expects", () => {
    const wrong = { region: "Ireland", logRetentionDays: 42, colour: "blue", policy: { remediation: { mode: "always" } } };
    expect(() => parseDeploymentConfig(wrong, "warden.config.json")).toThrow(
      /warden\.config\.json: invalid deployment configuration: colour: unknown setting.*region: expected an AWS region.*logRetentionDays: expected one of CloudWatch Logs' retention periods/,
    );
    expect(() => parseDeploymentConfig({ policy: { remediation: { mode: "always" } } }, "warden.config.json")).toThrow(/invalid policy: policy\.remediation\.mode/);
  });

  it("refuses a region that AWS does not have, naming the one a typo most likely meant", () => {
    expect(() => parseDeploymentConfig({ region: "eu-wst-1" }, "warden.config.json")).toThrow(/region: "eu-wst-1" is not an AWS region; did you mean eu-west-1\?/);
    expect(() => parseDeploymentConfig({ organization: { id: "o-a1b2c3d4e5", forwarderRegions: ["us-est-1"] } }, "warden.config.json")).toThrow(
      /organization\.forwarderRegions: "us-est-1" is not an AWS region; did you mean us-east-1\?/,
    );
    expect(() => parseDeploymentConfig({ policy: { regions: ["eu-wst-1"] } }, "warden.config.json")).toThrow(/policy\.regions\[0\]: "eu-wst-1" is not an AWS region; did you mean eu-west-1\?/);
  });

  it("reports every mistake of the file in one try: the settings' and the policy's together", () => {
    const wrong = { region: "Ireland", logRetentionDays: 42, policy: { remediation: { mode: "always" } } };
    expect(() => parseDeploymentConfig(wrong, "warden.config.json")).toThrow(/region: expected an AWS region.*logRetentionDays: .*policy\.remediation\.mode/);
  });

  it("ends an SST command on a bad file with every problem on a line and exit 2, and names the file and region it uses", () => {
    const folder = mkdtempSync(join(tmpdir(), "warden-config-"));
    try {
      const lines: string[] = [];
      const reporter = {
        write: (text: string) => void lines.push(text),
        exit: (code: number): never => {
          throw new Error(`exit ${code}`);
        },
      };
      const file = join(folder, "bad.json");
      writeFileSync(file, JSON.stringify({ region: "eu-wst-1", logRetentionDays: 42, policy: { remediation: { mode: "always" } } }));
      expect(() => deploymentConfigOrExit(folder, reporter, { [CONFIG_PATH_VARIABLE]: "bad.json" })).toThrow("exit 2");
      expect(lines[0]).toBe(`eks-warden: ${file}: invalid deployment configuration:\n`);
      expect(lines.slice(1).map((line) => line.split(":")[0]!.trim())).toEqual(["region", "logRetentionDays", "policy.remediation.mode"]);
      expect(lines[1]).toBe('  region: "eu-wst-1" is not an AWS region; did you mean eu-west-1?\n');

      lines.length = 0;
      writeFileSync(join(folder, "good.json"), JSON.stringify({ region: "eu-west-1" }));
      expect(deploymentConfigOrExit(folder, reporter, { [CONFIG_PATH_VARIABLE]: "good.json" }).region).toBe("eu-west-1");
      expect(lines).toEqual([`eks-warden: configuration ${join(folder, "good.json")}, region eu-west-1\n`]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("refuses a WARDEN_CONFIG that names a missing file instead of falling back to the defaults", () => {
    expect(() => loadDeploymentConfig(tmpdir(), { [CONFIG_PATH_VARIABLE]: "no-such-config.json" })).toThrow(/no such file/);
  });
});
