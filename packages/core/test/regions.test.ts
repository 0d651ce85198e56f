import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { KNOWN_REGIONS, regionProblem } from "../src/regions.ts";

interface SdkPartitions {
  readonly partitions: readonly { readonly id: string; readonly regions: Readonly<Record<string, unknown>> }[];
}

/** The endpoint data the installed AWS SDK resolves regions with. */
function sdkPartitions(): SdkPartitions {
  const require = createRequire(import.meta.url);
  const path = require.resolve("@aws-sdk/util-endpoints").replace(/dist-cjs[/\\]index\.js$/, "dist-cjs/lib/aws/partitions.json");
  return JSON.parse(readFileSync(path, "utf8")) as SdkPartitions;
}

describe("the regions a user may name", () => {
  it("hold every region the installed SDK knows, in the same partition (its *-global pseudo-regions aside)", () => {
    for (const partition of sdkPartitions().partitions) {
      const regions = Object.keys(partition.regions).filter((region) => !region.endsWith("-global"));
      expect(KNOWN_REGIONS[partition.id] ?? [], partition.id).toEqual(expect.arrayContaining(regions));
    }
  });

  it("accept a known region, and name the region a typo most likely meant", () => {
    expect(regionProblem("eu-west-1")).toBeUndefined();
    expect(regionProblem("mx-central-1")).toBeUndefined();
    expect(regionProblem("eu-wst-1")).toBe('"eu-wst-1" is not an AWS region; did you mean eu-west-1?');
    expect(regionProblem("US-EAST-1")).toBe('"US-EAST-1" is not an AWS region; did you mean us-east-1?');
  });

  it("say how to add a region shaped like one but unknown, and what a region looks like otherwise", () => {
    expect(regionProblem("xq-nowhere-9")).toBe('"xq-nowhere-9" is not an AWS region this version of EKS Warden knows (packages/core/src/regions.ts lists them)');
    expect(regionProblem("Ireland")).toBe('"Ireland" is not an AWS region such as "eu-west-1"');
  });
});
