// The stack with the Security Hub export on: securityhub:BatchImportFindings for the functions that write state
// (cluster-event, settle, sweep) and for them only, on the account's default product in each Security Hub region and
// nothing else; cdk-nag and cfn-lint stay clean. (Off, the template has no Security Hub grant: test/infra.test.ts.)
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { allPolicyStatements, nagReportRows, resourcesOfType, synthesizeWithConfig } from "./infra-support.ts";

let template: Template;
let outDir: string;
let stackName: string;

beforeAll(async () => {
  const synthesized = await synthesizeWithConfig("shub", { region: "eu-west-1", policy: { securityHub: { enabled: true, regions: ["eu-west-1", "us-east-1"] } } });
  ({ template, outDir } = synthesized);
  stackName = synthesized.synthesized.stackNames[0]!;
}, 240_000);

/** The handler of each function role, by the role's logical id. */
function handlersByRole(): Map<string, string> {
  const byRole = new Map<string, string>();
  for (const resource of Object.values(resourcesOfType(template, "AWS::Lambda::Function"))) {
    const role = resource.Properties.Role?.["Fn::GetAtt"]?.[0] as string | undefined;
    if (role) byRole.set(role, String(resource.Properties.Handler));
  }
  return byRole;
}

describe("Security Hub enabled", () => {
  it("grants BatchImportFindings to cluster-event, settle and sweep only, on the default product of each Security Hub region", () => {
    const handlers = handlersByRole();
    const grants = allPolicyStatements(template).filter(({ statement }) => [statement.Action].flat().some((action: string) => action.startsWith("securityhub:")));
    expect(grants.map(({ where }) => handlers.get(where.split(":")[0]!)).sort()).toEqual([
      "packages/functions/src/cluster-event.handler",
      "packages/functions/src/settle.handler",
      "packages/functions/src/sweep.handler",
    ]);
    for (const { statement } of grants) {
      expect(statement).toMatchObject({ Effect: "Allow", Action: "securityhub:BatchImportFindings", Sid: "ImportSecurityHubFindings" });
      const resources = JSON.stringify(statement.Resource);
      for (const region of ["eu-west-1", "us-east-1"]) {
        expect(resources).toContain(`:securityhub:${region}:`);
      }
      expect([statement.Resource].flat()).toHaveLength(2);
      expect(resources).toMatch(/product\/"?,?\{"Ref":"AWS::AccountId"\},"\/default/);
      expect(resources).not.toContain("*");
    }
  });

  it("is cdk-nag clean", () => {
    expect(nagReportRows(outDir, stackName).filter((row) => row.compliance === "Non-Compliant")).toEqual([]);
  });

  const cfnLint = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
  it.skipIf(cfnLint.status !== 0)("is cfn-lint clean but CDK's redundant DependsOn (W3005)", () => {
    const result = spawnSync("cfn-lint", ["--format", "parseable", "--", join(outDir, `${stackName}.template.json`)], { encoding: "utf8" });
    const findings = result.stdout.trim().split("\n").filter(Boolean);
    expect(findings.filter((line) => !/:W3005:'[A-Za-z]+Role[0-9A-F]{8}' dependency already enforced by a 'GetAtt'/.test(line))).toEqual([]);
  }, 120_000);
});
