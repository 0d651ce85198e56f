// Counterexamples the fuzzers found (test/fuzz/parsers.test.ts, `npm run bench -- fuzz`), each kept as it was shrunk
// so that the bug it showed stays fixed.
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../packages/core/src/cidr.ts";
import { CidrError, PolicyError } from "../../packages/core/src/errors.ts";
import { parsePolicy } from "../../packages/core/src/policy.ts";
import { closestName } from "../../packages/core/src/suggest.ts";
import { KNOWN_REGIONS } from "../../packages/core/src/regions.ts";
import { JsonSyntaxError, parseJsonWithPositions } from "../../packages/cli/src/scenario/json-positions.ts";
import { FleetError, validateFleet } from "../../packages/simulator/src/fleet.ts";
import { DesiredStateError, readDesiredState } from "../../packages/core/src/desired/index.ts";

/** What `read` threw (undefined when it returned): the refusal, for the assertions on its class and message. */
function thrownBy(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("counterexamples found by fuzzing", () => {
  it("a JSON file nested thousands of levels deep is a syntax error at its line and column, not a stack overflow", () => {
    const depth = 20_000;
    const text = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    let thrown: unknown;
    try {
      parseJsonWithPositions(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JsonSyntaxError);
    expect((thrown as JsonSyntaxError).problem).toMatch(/nested deeper than \d+ levels/);
    expect((thrown as JsonSyntaxError).position.line).toBe(1);
  });

  it("JSON nested to the limit still parses, with the value JSON.parse gives", () => {
    const text = "[".repeat(200) + "]".repeat(200);
    expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
  });

  it("a CIDR field holding an object whose toString is not a function is a CidrError naming the field, not a TypeError", () => {
    const hostile = JSON.parse('{"toString": []}') as unknown as string;
    expect(() => parseCidr(hostile, "endpoint.allowedPublicCidrs[0]")).toThrow(CidrError);
    expect(() => parseCidr(Object.create(null) as string, "endpoint.allowedPublicCidrs[0]")).toThrow(/is a object; expected a CIDR string/);
  });

  it("a policy naming a 300,000-character region is refused at once, not after seconds of did-you-mean arithmetic", () => {
    // Found as a hang: the suggestion compared the whole string with every region, ~4 s on these machines. The bound
    // below is a hang check with a wide margin, not a performance target.
    const huge = "A".repeat(300_000);
    const started = performance.now();
    expect(() => parsePolicy({ regions: ["us-east-1", huge] })).toThrow(PolicyError);
    expect(closestName(huge, Object.values(KNOWN_REGIONS).flat())).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("a policy whose exemption grantor is an object with a non-function toString, as JSON can write it, is a PolicyError naming it", () => {
    const document = JSON.parse('{"exemptions": {"tags": [{"toString": []}]}}') as unknown;
    expect(() => parsePolicy(document)).toThrow(PolicyError);
    try {
      parsePolicy(document);
    } catch (error) {
      expect((error as PolicyError).issues[0]).toMatchObject({ path: "exemptions.tags", message: expect.stringContaining('{"toString":[]}') });
    }
  });

  it("a fleet file whose cluster ARN is an object with a non-function toString is a FleetError naming the field, not a TypeError", () => {
    const fleet = JSON.parse('{"clusters": [{"region": "eu-west-1", "cluster": {"name": "prod", "arn": {"toString": []}}}]}') as unknown;
    expect(() => validateFleet(fleet, "fleet")).toThrow(FleetError);
    try {
      validateFleet(fleet, "fleet");
    } catch (error) {
      expect((error as FleetError).issues.map((issue) => issue.path)).toContain("clusters[0].cluster.arn");
    }
  });

  // Found by `npm run bench -- fuzz` (100,000 runs, seed -1763855281): the entry's region beside a valid cluster ARN.
  it.each([
    ["region", '{"toString": 0}'],
    ["account", '{"toString": 0}'],
    ["region", '{"toString": {}}'],
  ])("a fleet entry whose %s is an object with a non-function toString, beside a valid ARN, is a FleetError naming it", (field, value) => {
    const fleet = JSON.parse(`{"clusters": [{"${field}": ${value}, "cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:111111111111:cluster/prod"}}]}`) as unknown;
    const refused = thrownBy(() => validateFleet(fleet, "fleet"));
    expect(refused).toBeInstanceOf(FleetError);
    expect((refused as FleetError).issues).toContainEqual({ path: `clusters[0].${field}`, message: expect.stringContaining("expected a non-empty string") });
  });

  // Found by fuzzing readDesiredState (test/fuzz/desired-target.ts): `eks-warden check` on a file built to exhaust the
  // parser's stack threw a RangeError (JSON), or, for YAML nested thousands of levels, killed the process outright
  // (V8: "RegExpCompiler Allocation failed - process out of memory", uncatchable).
  it.each([
    ["a JSON plan", "plan.json", `${"[".repeat(5_000)}1${"]".repeat(5_000)}`],
    ["a JSON template", "template.json", `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`],
    ["a YAML block sequence", "cluster.yaml", `${"- ".repeat(5_000)}x\n`],
    ["a YAML flow sequence", "template.yaml", `${"[".repeat(5_000)}x${"]".repeat(5_000)}\n# end\n`],
    ["YAML mappings one space deeper each line", "cluster.yaml", `${Array.from({ length: 3_000 }, (_, depth) => `${" ".repeat(depth)}a:`).join("\n")} x\n`],
  ])("%s nested thousands of levels deep is refused as too deep, at its line, before it is parsed", (_what, file, text) => {
    const refused = thrownBy(() => readDesiredState(file, text));
    expect(refused).toBeInstanceOf(DesiredStateError);
    expect((refused as Error).message).toMatch(new RegExp(`^${file.replace(".", "\\.")}:\\d+:\\d+: values nested deeper than 256 levels`));
  });

  // Found by `npm run bench -- fuzz` (100,000 runs, seed -380295220): a CloudFormation Name of Fn::Join over an empty
  // list resolved to "", and a cluster without a name was judged (and could never match the live one).
  it.each([
    ["a CloudFormation Name joined from nothing", "template.json", JSON.stringify({ Resources: { Web: { Type: "AWS::EKS::Cluster", Properties: { Name: { "Fn::Join": ["-", []] } } } } })],
    ["an empty eksctl metadata.name", "cluster.yaml", 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: ""\n  region: eu-west-1\n'],
    [
      "an empty Terraform cluster name",
      "plan.json",
      JSON.stringify({ format_version: "1.2", planned_values: { root_module: { resources: [{ address: "aws_eks_cluster.x", mode: "managed", type: "aws_eks_cluster", name: "x", values: { name: "" } }] } } }),
    ],
  ])("%s is refused with where the cluster is declared, not judged as a cluster without a name", (_what, file, text) => {
    const refused = thrownBy(() => readDesiredState(file, text));
    expect(refused).toBeInstanceOf(DesiredStateError);
    expect((refused as Error).message).toMatch(new RegExp(`^${file.replace(".", "\\.")}:\\d+:\\d+: .*the cluster's name is empty`));
  });

  it("a real template's nesting (tens of levels) is read as before", () => {
    const template = `Resources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: x\n      Tags:\n${"        - [[[[[[[[[[1]]]]]]]]]]\n"}`;
    expect(readDesiredState("template.yaml", template).clusters.map((cluster) => cluster.name)).toEqual(["x"]);
  });

  it("did-you-mean still finds a region one or two edits away", () => {
    expect(closestName("eu-wst-1", Object.values(KNOWN_REGIONS).flat())).toBe("eu-west-1");
    expect(closestName("us-est-11", Object.values(KNOWN_REGIONS).flat())).toBe("us-east-1");
  });
});
