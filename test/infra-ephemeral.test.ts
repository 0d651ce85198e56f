// The stack on a stage the configuration marks ephemeral: the only case where `sst remove` may destroy the state
// table, the keys and the logs. Its own test file because SST synthesises one app per process.
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { Synthesized } from "../packages/cli/src/commands/synth.ts";
import { resourcesOfType, synthesizeWithConfig } from "./infra-support.ts";

let synthesized: Synthesized;
let template: Template;

beforeAll(async () => {
  ({ synthesized, template } = await synthesizeWithConfig("dev", { _what: "test configuration: the dev stage may be destroyed", ephemeralStages: ["dev"] }));
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
