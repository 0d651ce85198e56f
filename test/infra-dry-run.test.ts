// The stack with remediation in dry-run: the policy reaches the functions, but no role may call
// eks:UpdateClusterConfig (only `enforce` grants the write). Its own test file because SST synthesises one app per
// process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { getStack } from "sst/constructs";
import { beforeAll, expect, it } from "vitest";
import { synthesizeApp } from "../packages/cli/src/commands/synth.ts";
import { Warden } from "../stacks/Warden.ts";
import { CONFIG_PATH_VARIABLE } from "../stacks/config.ts";
import { allPolicyStatements, resourcesOfType, wardenFunctions } from "./infra-support.ts";

let template: Template;

beforeAll(async () => {
  const folder = mkdtempSync(join(tmpdir(), "warden-config-"));
  const configFile = join(folder, "warden.config.json");
  writeFileSync(configFile, JSON.stringify({ region: "eu-west-1", policy: { remediation: { mode: "dry-run", action: "private" } } }));
  process.env[CONFIG_PATH_VARIABLE] = configFile;
  await synthesizeApp({ stage: "trial", outDir: join(folder, "cdk.out"), nagChecks: true });
  template = Template.fromStack(getStack(Warden));
}, 180_000);

it("grants eks:UpdateClusterConfig to nobody in dry-run, and creates no remediation policy", () => {
  const { clusterEvent, settle } = wardenFunctions(template);
  expect(JSON.parse(settle.properties.Environment.Variables.POLICY as string).remediation.mode).toBe("dry-run");
  const actions = allPolicyStatements(template).flatMap(({ statement }) => [statement.Action ?? []].flat() as string[]);
  expect(actions).not.toContain("eks:UpdateClusterConfig");
  expect(Object.keys(resourcesOfType(template, "AWS::IAM::Policy")).filter((id) => id.startsWith("SettleRemediationPolicy"))).toEqual([]);
  // The role is still named to both functions: its own events are recognised whatever the mode.
  for (const fn of [clusterEvent, settle]) expect(fn.properties.Environment.Variables.REMEDIATION_ROLE_ARN).toEqual({ "Fn::GetAtt": [settle.roleId, "Arn"] });
});
