// Helpers for the infrastructure tests: reading resources, policy statements and the cdk-nag report of a
// synthesised template, and the shared CloudTrail fixtures in their EventBridge envelope.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { getStack } from "sst/constructs";
import { synthesizeApp, type Synthesized } from "../packages/cli/src/commands/synth.ts";
import { Warden } from "../stacks/Warden.ts";
import { CONFIG_PATH_VARIABLE } from "../stacks/config.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation resources are untyped JSON.
type CfnJson = any;

export interface CfnResource {
  readonly Type: string;
  readonly Properties: CfnJson;
  readonly DeletionPolicy?: string;
}

/** Synthesises the app (once per process) on `stage` with `config` as its warden.config.json, cdk-nag checked. */
export async function synthesizeWithConfig(stage: string, config: Record<string, unknown>): Promise<{ synthesized: Synthesized; template: Template; outDir: string }> {
  const folder = mkdtempSync(join(tmpdir(), `warden-${stage}-`));
  const configFile = join(folder, "warden.config.json");
  writeFileSync(configFile, JSON.stringify(config));
  process.env[CONFIG_PATH_VARIABLE] = configFile;
  const outDir = join(folder, "cdk.out");
  const synthesized = await synthesizeApp({ stage, outDir, nagChecks: true });
  return { synthesized, template: Template.fromStack(getStack(Warden)), outDir };
}

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

export interface WardenFunction {
  readonly id: string;
  readonly roleId: string;
  readonly properties: CfnJson;
}

/** The two Warden functions (not SST's own custom-resource handler), by handler. */
export function wardenFunctions(template: Template): { clusterEvent: WardenFunction; settle: WardenFunction } {
  const functions = Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).map(([id, resource]) => ({
    id,
    roleId: resource.Properties.Role["Fn::GetAtt"][0] as string,
    properties: resource.Properties,
  }));
  const byHandler = (handler: string): WardenFunction => {
    const found = functions.find((fn) => fn.properties.Handler === handler);
    if (!found) throw new Error(`no function with handler ${handler} in the template; handlers: ${functions.map((fn) => fn.properties.Handler).join(", ")}`);
    return found;
  };
  return { clusterEvent: byHandler("packages/functions/src/cluster-event.handler"), settle: byHandler("packages/functions/src/settle.handler") };
}

export interface LocatedStatement {
  /** `<role logical id>:<policy logical id>` for IAM policies attached to a role, else the resource's logical id. */
  readonly where: string;
  readonly statement: CfnJson;
}

/** Every policy statement in the template: IAM policies and roles, the KMS key policy, topic and queue policies. */
export function allPolicyStatements(template: Template): LocatedStatement[] {
  const located: LocatedStatement[] = [];
  const add = (where: string, document: CfnJson): void => {
    for (const statement of [document?.Statement ?? []].flat()) located.push({ where, statement });
  };
  for (const [id, policy] of Object.entries(resourcesOfType(template, "AWS::IAM::Policy"))) {
    for (const role of policy.Properties.Roles ?? []) add(`${role.Ref}:${id}`, policy.Properties.PolicyDocument);
  }
  for (const [id, role] of Object.entries(resourcesOfType(template, "AWS::IAM::Role"))) {
    add(`${id}:trust`, role.Properties.AssumeRolePolicyDocument);
    for (const inline of role.Properties.Policies ?? []) add(`${id}:${inline.PolicyName}`, inline.PolicyDocument);
  }
  for (const [id, key] of Object.entries(resourcesOfType(template, "AWS::KMS::Key"))) add(id, key.Properties.KeyPolicy);
  for (const [id, policy] of Object.entries(resourcesOfType(template, "AWS::SNS::TopicPolicy"))) add(id, policy.Properties.PolicyDocument);
  for (const [id, policy] of Object.entries(resourcesOfType(template, "AWS::SQS::QueuePolicy"))) add(id, policy.Properties.PolicyDocument);
  return located;
}

export interface NagReportRow {
  readonly ruleId: string;
  readonly resource: string;
  readonly compliance: string;
  readonly reason: string;
}

/** cdk-nag's CSV report (AwsSolutions-<stack>-NagReport.csv in the cloud assembly). */
export function nagReportRows(outDir: string, stackName: string): NagReportRow[] {
  const text = readFileSync(join(outDir, `AwsSolutions-${stackName}-NagReport.csv`), "utf8");
  const rows = text.trim().split("\n").slice(1);
  return rows.map((line) => {
    const cells = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => match[1]!.replace(/""/g, '"'));
    return { ruleId: cells[0]!, resource: cells[1]!, compliance: cells[2]!, reason: cells[3]! };
  });
}

