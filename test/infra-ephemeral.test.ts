// The stack on a stage the configuration marks ephemeral: the only case where `sst remove` may destroy the state
// table, the keys and the logs. Its own test file because SST synthesises one app per process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { getStack } from "sst/constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { synthesizeApp, type Synthesized } from "../packages/cli/src/commands/synth.ts";
import { Warden } from "../stacks/Warden.ts";
import { CONFIG_PATH_VARIABLE } from "../stacks/config.ts";
import { resourcesOfType } from "./infra-support.ts";

let synthesized: Synthesized;
let template: Template;

beforeAll(async () => {
  const folder = mkdtempSync(join(tmpdir(), "warden-ephemeral-"));
  const configFile = join(folder, "warden.config.json");
  writeFileSync(configFile, JSON.stringify({ _what: "test configuration: the dev stage may be destroyed", ephemeralStages: ["dev"] }));
  process.env[CONFIG_PATH_VARIABLE] = configFile;
  synthesized = await synthesizeApp({ stage: "dev", outDir: join(folder, "cdk.out"), nagChecks: true });
  template = Template.fromStack(getStack(Warden));
}, 180_000);

describe("an ephemeral stage", () => {
  it("is clean under cdk-nag AwsSolutions", () => {
    expect(synthesized.stackNames).toEqual(["dev-eks-warden-Warden"]);
    expect(synthesized.nagFindings).toEqual([]);
  });

  it("neither retains nor deletion-protects the table, and lets the keys and logs go with the stack", () => {
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete", Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    const keys = Object.values(resourcesOfType(template, "AWS::KMS::Key"));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.DeletionPolicy).toBe("Delete");
    for (const group of Object.values(resourcesOfType(template, "AWS::Logs::LogGroup"))) expect(group.DeletionPolicy).toBe("Delete");
  });
});
