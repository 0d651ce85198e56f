// Scenario files: the position-keeping JSON parser, the schema, and the loader's messages, which must name the file,
// the line and the field of every problem.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonSyntaxError, parseJsonWithPositions, parsePath, positionOf } from "../src/scenario/json-positions.ts";
import { loadScenario, ScenarioError } from "../src/scenario/loader.ts";
import { formatDuration, parseDuration } from "../src/scenario/schema.ts";
import { fixture, REPO, warden } from "./scenario-helpers.ts";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "warden-scenario-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function write(name: string, content: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

async function problems(path: string): Promise<string[]> {
  try {
    await loadScenario(path);
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split("\n");
    throw error;
  }
  throw new Error(`${path} loaded without problems`);
}

describe("parseJsonWithPositions", () => {
  it("gives the same value as JSON.parse for the demo scenario and its fleet", () => {
    for (const file of ["scenarios/demo.json", "scenarios/fleets/demo.json", "packages/simulator/fleets/sample.json"]) {
      const text = readFileSync(join(REPO, file), "utf8");
      expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
    }
  });

  it("records the line and column of every key and array item", () => {
    const text = '{\n  "a": 1,\n  "list": [\n    "x",\n    { "deep": true }\n  ],\n  "odd key": null\n}';
    const { positions } = parseJsonWithPositions(text);
    expect(positions.get("")).toEqual({ line: 1, column: 1 });
    expect(positions.get("a")).toEqual({ line: 2, column: 3 });
    expect(positions.get("list[0]")).toEqual({ line: 4, column: 5 });
    expect(positions.get("list[1].deep")).toEqual({ line: 5, column: 7 });
    expect(positions.get('["odd key"]')).toEqual({ line: 7, column: 3 });
    // A field that is missing is reported where its nearest existing parent starts.
    expect(positionOf(positions, ["list", 1, "missing"])).toEqual({ line: 5, column: 5 });
    expect(parsePath('list[1].deep["odd key"]')).toEqual(["list", 1, "deep", "odd key"]);
  });

  it("parses escapes, numbers and literals as JSON.parse does, and keeps __proto__ an ordinary key", () => {
    const text = '{"s": "tab\\t \\u00e9 \\"q\\"", "n": [-0.5, 12e3, 0], "t": true, "f": false, "z": null, "__proto__": {"polluted": 1}}';
    const { value } = parseJsonWithPositions(text);
    expect(value).toEqual(JSON.parse(text));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after the value of \"a\""],
    ['{\n  "a": [1, 2,]\n}', 2, 13, "trailing comma"],
    ['{\n  "a": 1,\n}', 2, 9, "trailing comma"],
    ['{\n  "a": "open\n}', 2, 13, "line break"],
    ['{\n  // a comment\n  "a": 1\n}', 2, 3, "comments are not allowed"],
    ['{\n  "a": tru\n}', 2, 8, "expected a value"],
    ['{ "a": 1 } x', 1, 12, "after the end of the JSON value"],
    ["", 1, 1, "expected a value"],
    ['{ a: 1 }', 1, 3, "property name in double quotes"],
    ['{ "a" 1 }', 1, 7, "expected ':'"],
    ['["\\x"]', 1, 2, "invalid escape"],
    ['[1 2]', 1, 4, "expected ',' or ']'"],
    ['"never closed', 1, 1, "unterminated string"],
  ])("reports %j at line %i, column %i", (text, line, column, problem) => {
    let caught: unknown;
    try {
      parseJsonWithPositions(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JsonSyntaxError);
    expect((caught as JsonSyntaxError).position).toEqual({ line, column });
    expect((caught as JsonSyntaxError).problem).toContain(problem);
  });

  it("accepts a byte order mark, as editors write it", () => {
    expect(parseJsonWithPositions('\uFEFF{\n"a": 1}').positions.get("a")).toEqual({ line: 2, column: 1 });
  });
});

describe("durations", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["250ms", 250],
    ["1.5m", 90_000],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["15 minutes", "15", "m", "-1m", "1w", ""])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("prints durations the way they are written", () => {
    expect([0, 250, 90_000, 5_400_000, 90_061_000].map(formatDuration)).toEqual(["0s", "250ms", "1m30s", "1h30m", "1d1h1m1s"]);
  });
});

describe("loadScenario", () => {
  it("loads the demo: its fleet file, policy, identities with their own access keys, and every step with its line", async () => {
    const scenario = await loadScenario(join(REPO, "scenarios/demo.json"));
    expect(scenario.fleet.clusters.map((entry) => entry.cluster["name"])).toContain("payments-prod");
    expect(scenario.policy.endpoint.allowedPublicCidrs).toEqual(["203.0.113.0/24"]);
    const alice = scenario.identities.get("alice")!;
    expect(alice.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(alice.accessKeyId).not.toBe(scenario.identities.get("bob")!.accessKeyId);
    expect(scenario.steps.map((step) => step.kind)).toEqual(["note", "call", "note", "call", "note", "advance", "expect", "expect", "note", "call", "advance", "expect"]);
    const text = readFileSync(join(REPO, "scenarios/demo.json"), "utf8").split("\n");
    for (const step of scenario.steps) expect(text[step.line! - 1]).toContain(`"${step.kind}"`);
    const advance = scenario.steps.find((step) => step.kind === "advance");
    expect(advance).toMatchObject({ advance: 15 * 60_000 });
  });

  it("loads every scenario kept in scenarios/", async () => {
    const files = readdirSync(join(REPO, "scenarios")).filter((name) => name.endsWith(".json"));
    expect(files).toContain("demo.json");
    for (const file of files) expect((await loadScenario(join(REPO, "scenarios", file))).steps.length).toBeGreaterThan(0);
  });

  it("names the file, line and field of every problem, in file order", async () => {
    const file = "packages/cli/test/fixtures/scenarios/bad.json";
    expect(await problems(fixture("bad.json"))).toEqual([
      `${file}:4: policy.endpoint.allowedPublicCidrs[0]: "10.0.0.0/33" is not a valid IPv4 or IPv6 CIDR: it has an invalid prefix length "33"; expected a whole number from 0 to 32 for IPv4`,
      `${file}:9: steps[0].call: "UpdateClusterConfg" is not an EKS operation the simulator serves; did you mean UpdateClusterConfig?`,
      `${file}:11: steps[1].as: "mallory" is not declared under identities; expected one of alice`,
      `${file}:14: steps[3].advance: "15 minutes" is not a duration; expected e.g. "90s", "15m", "2h", "1h30m"`,
      `${file}:16: steps[4]: a step is one of call, advance, evaluate, digest, expect, note; this one has advance and evaluate: split it into 2 steps`,
      `${file}:17: steps[5].expect.cluster: "no-such-cluster" is not a cluster of the fleet; expected one of payments-prod, web-public, vendor-ingress, legacy-batch, analytics, ci-runners`,
      `${file}:18: steps[6].expect.status: "BROKEN" is not a finding status; expected one of PASS, FAIL, EXEMPT, NOT_APPLICABLE, ERROR`,
      `${file}:19: steps[7]: a step needs one of the keys call, advance, evaluate, digest, expect, note; this one has "sweep"`,
    ]);
  });

  it("reports an inline fleet's problems at their line in the scenario", async () => {
    const file = "packages/cli/test/fixtures/scenarios/bad-fleet.json";
    expect(await problems(fixture("bad-fleet.json"))).toEqual([
      `${file}:6: fleet.clusters[0].cluster.version: expected a Kubernetes minor version such as 1.31, got "one-thirty"`,
      `${file}:8: fleet.durationz: unknown field (expected one of _what, startTime, defaultAccount, defaultRegion, identities, clusters, clusterVersions, addonVersions, ssmParameters, ssmSecureStrings, durations, trails, roles, faults)`,
    ]);
  });

  it("reports JSON syntax errors with their line and column", async () => {
    expect(await problems(fixture("syntax.json"))).toEqual([
      "packages/cli/test/fixtures/scenarios/syntax.json:5: not valid JSON: trailing comma: no item follows it before ] (column 24)",
    ]);
  });

  it("reports a fleet's faults section problem at its line (docs/faults.md)", async () => {
    const path = write("faults.json", '{\n  "fleet": {\n    "faults": {\n      "seed": 1,\n      "eks": { "throttleRate": 2 }\n    }\n  },\n  "steps": [{ "evaluate": true }]\n}\n');
    const found = await problems(path);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/faults\.json:5: fleet\.faults\.eks\.throttleRate: expected a share of calls from 0 to 1 \(0\.05 is 5%\), got 2$/);
  });

  it("reports problems of a policy file in that file, and a missing fleet file at the line naming it", async () => {
    const policy = write("policy.json", '{\n  "remediation": { "mode": "sometimes" }\n}\n');
    const path = write("with-files.json", {
      fleet: "no-such-fleet.json",
      policy: "policy.json",
      steps: [{ evaluate: true }],
    });
    const found = await problems(path);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/with-files\.json:2: fleet: cannot read \S*no-such-fleet\.json \(no such file\)$/);

    const withFleet = write("with-policy.json", { fleet: join(REPO, "scenarios/fleets/demo.json"), policy: "policy.json", steps: [{ evaluate: true }] });
    const policyProblems = await problems(withFleet);
    expect(policyProblems).toHaveLength(1);
    expect(policyProblems[0]).toContain(`${policy}:2: remediation.mode:`);
    expect(policyProblems[0]).toContain('expected one of "off"|"dry-run"|"enforce"');
  });

  it("rejects a top level that is not a scenario, naming each field", async () => {
    const path = write("top.json", { fleet: 3, steps: [], extra: true });
    expect((await problems(path)).map((line) => line.replace(/^.*top\.json:/, ""))).toEqual([
      "2: fleet: expected a fleet object or the path of a fleet file (relative to the scenario)",
      "3: steps: expected at least one step",
      "4: extra: unknown field (check its spelling)",
    ]);
    expect(await problems(join(scratch, "missing.json"))).toEqual([expect.stringMatching(/missing\.json: cannot read the file \(no such file\)$/)]);
  });
});

describe("eks-warden run with a bad scenario", () => {
  it("exits 2 before starting anything, printing each problem as file:line: field: problem", async () => {
    const run = await warden(["run", "packages/cli/test/fixtures/scenarios/bad.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('packages/cli/test/fixtures/scenarios/bad.json:14: steps[3].advance: "15 minutes" is not a duration; expected e.g. "90s", "15m", "2h", "1h30m"');
    expect(run.stderr).toContain("8 problems in the scenario; nothing was started");
    expect(run.stdout).toBe("");
  });

  it("exits 2 on bad usage", async () => {
    const none = await warden(["run"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("SCENARIO is required");
    const format = await warden(["run", "scenarios/demo.json", "--format", "xml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format "xml": expected one of text, jsonl');
  });
});
