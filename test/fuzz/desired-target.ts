// The desired-state files `eks-warden check` reads (Terraform plan JSON, CloudFormation JSON and YAML, eksctl YAML), as
// a fuzz target: valid files are generated from the settings they declare, and must be read back as those settings;
// hostile ones are the repository's fixtures broken at random places, hostile values in their fields, YAML alias
// bombs and unknown tags, which may only be refused with DesiredStateError or NotADesiredState.
import { readdirSync, readFileSync } from "node:fs";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { DesiredStateError, NotADesiredState, readDesiredState, type DesiredState } from "../../packages/core/src/desired/index.ts";
import { hostileValue, mutations, type FuzzTarget } from "./harness.ts";

interface Declared {
  readonly format: "terraform-plan" | "cloudformation-json" | "cloudformation-yaml" | "eksctl";
  readonly name: string;
  readonly publicAccess: boolean;
  readonly privateAccess: boolean;
  readonly cidrs: readonly string[];
}

const FILE_OF: Readonly<Record<Declared["format"], string>> = {
  "terraform-plan": "plan.json",
  "cloudformation-json": "template.json",
  "cloudformation-yaml": "template.yaml",
  eksctl: "cluster.yaml",
};

/** The file text that declares `cluster` in its format. */
function fileText(cluster: Declared): string {
  const { name, publicAccess, privateAccess, cidrs } = cluster;
  switch (cluster.format) {
    case "terraform-plan":
      return JSON.stringify({
        format_version: "1.2",
        planned_values: {
          root_module: {
            resources: [{ address: "aws_eks_cluster.this", mode: "managed", type: "aws_eks_cluster", name: "this", values: { name, vpc_config: [{ endpoint_public_access: publicAccess, endpoint_private_access: privateAccess, public_access_cidrs: cidrs }] } }],
          },
        },
      });
    case "cloudformation-json":
    case "cloudformation-yaml": {
      const template = { Resources: { Cluster: { Type: "AWS::EKS::Cluster", Properties: { Name: name, ResourcesVpcConfig: { EndpointPublicAccess: publicAccess, EndpointPrivateAccess: privateAccess, PublicAccessCidrs: cidrs } } } } };
      return cluster.format === "cloudformation-json" ? JSON.stringify(template, null, 2) : stringify(template);
    }
    case "eksctl":
      return stringify({ apiVersion: "eksctl.io/v1alpha5", kind: "ClusterConfig", metadata: { name, region: "eu-west-1" }, vpc: { clusterEndpoints: { publicAccess, privateAccess }, publicAccessCIDRs: cidrs } });
  }
}

const octet = fc.integer({ min: 0, max: 255 });
const cidr = fc.tuple(octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, prefix]) => `${a}.${b}.0.0/${prefix}`);
const declared: fc.Arbitrary<Declared> = fc.record({
  format: fc.constantFrom("terraform-plan", "cloudformation-json", "cloudformation-yaml", "eksctl"),
  name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/),
  publicAccess: fc.boolean(),
  privateAccess: fc.boolean(),
  cidrs: fc.array(cidr, { maxLength: 5 }),
});

const FIXTURES = new URL("../../packages/core/test/fixtures/desired/", import.meta.url);
const FIXTURE_FILES = readdirSync(FIXTURES)
  .filter((name) => /\.(json|yaml)$/.test(name))
  .map((name) => ({ name, text: readFileSync(new URL(name, FIXTURES), "utf8") }));
const JSON_FIXTURES = FIXTURE_FILES.filter((file) => file.name.endsWith(".json")).map((file) => ({ name: file.name, value: JSON.parse(file.text) as unknown }));

/** A fixture's text cut, spliced or doubled at a random place: a truncated download, a bad merge, a paste. */
const brokenText = fc.record({ file: fc.constantFrom(...FIXTURE_FILES), at: fc.nat(), length: fc.nat({ max: 40 }), insert: fc.constantFrom("", "\u0000", "!Bogus x", "{", "]", "\t", "*alias", "&a [", "<<: *a", ": :", "\ud800", '"') }).map(
  ({ file, at, length, insert }) => {
    const position = at % (file.text.length + 1);
    return { file: file.name, text: file.text.slice(0, position) + insert + file.text.slice(position + length) };
  },
);
/** A JSON fixture with one field replaced by a hostile value, removed, or a prototype key planted beside it. */
const poisonedJson = fc.constantFrom(...JSON_FIXTURES).chain((fixture) =>
  mutations(fc.constant(fixture.value)).map((value) => ({ file: fixture.name, text: JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? String(inner) : inner)) ?? "null" })),
);
/** The "billion laughs" of YAML: aliases that expand exponentially if followed. */
const aliasBomb = fc.integer({ min: 5, max: 30 }).map((levels) => {
  const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let level = 1; level < levels; level++) lines.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(", ")}]`);
  return { file: "bomb.yaml", text: `${lines.join("\n")}\nResources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: *a${levels - 1}\n` };
});
const oddDocument = fc.oneof(
  hostileValue.map((value) => ({ file: "value.json", text: JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? String(inner) : inner)) ?? "null" })),
  fc.string({ maxLength: 300 }).map((text) => ({ file: "text.yaml", text })),
  fc.record({ depth: fc.integer({ min: 100, max: 20_000 }), form: fc.constantFrom("- ", "[", "{a: ", '{"a":') }).map(({ depth, form }) => ({
    file: form === '{"a":' ? "deep.json" : "deep.yaml",
    text: `${form.repeat(depth)}1${form === "- " ? "" : form.startsWith("[") ? "]".repeat(depth) : "}".repeat(depth)}${form.startsWith("{a") ? "\n# YAML flow" : ""}\n`,
  })),
);

export const desiredStateFile: FuzzTarget = {
  name: "desired-state file (readDesiredState: Terraform plan, CloudFormation, eksctl)",
  parse: (input) => {
    const { file, text } = input as { file: string; text: string };
    return readDesiredState(file, text);
  },
  errors: [DesiredStateError, NotADesiredState],
  valid: declared.map((cluster) => ({ file: FILE_OF[cluster.format], text: fileText(cluster), cluster })),
  meansWhatItSays: (input, output) => {
    const { cluster } = input as { cluster: Declared };
    const [read, ...rest] = (output as DesiredState).clusters;
    assert.deepEqual(rest, []);
    assert.equal(read?.name, cluster.name);
    assert.deepEqual(read.endpoint, { publicAccess: cluster.publicAccess, privateAccess: cluster.privateAccess, publicAccessCidrs: cluster.cidrs });
    assert.deepEqual(read.unknown, []);
  },
  // Alias bombs are few (each costs the reader up to a thousand alias resolutions before it refuses the file).
  hostile: fc.oneof({ arbitrary: brokenText, weight: 8 }, { arbitrary: poisonedJson, weight: 8 }, { arbitrary: oddDocument, weight: 3 }, { arbitrary: aliasBomb, weight: 1 }),
  noFalseClaim: (_input, output) => {
    // Whatever was accepted is typed as the model says: a setting is a boolean, a list of text, or absent (AWS's
    // default applies), never a value of another type that a rule could read as private.
    for (const cluster of (output as DesiredState).clusters) {
      assert.ok(typeof cluster.name === "string" && cluster.name.length > 0, "a cluster without a name");
      for (const flag of [cluster.endpoint.publicAccess, cluster.endpoint.privateAccess]) assert.ok(flag === undefined || typeof flag === "boolean", `endpoint flag ${String(flag)}`);
      assert.ok(cluster.endpoint.publicAccessCidrs === undefined || cluster.endpoint.publicAccessCidrs.every((value) => typeof value === "string"), "a CIDR that is not text");
    }
  },
};
