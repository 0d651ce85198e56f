// Each mistake a desired-state file can hold is refused with the file, the line and column, and what was expected:
// the one line `eks-warden check` prints (exit 2). One row per mistake a user or a generator can make.
import { describe, expect, it } from "vitest";
import { DesiredStateError, NotADesiredState, readDesiredState } from "../../src/desired/index.ts";

function refusal(file: string, text: string): Error {
  try {
    readDesiredState(file, text);
  } catch (error) {
    if (error instanceof DesiredStateError || error instanceof NotADesiredState) return error;
    throw error;
  }
  throw new Error(`${file} was read without an error`);
}

const eksctl = (body: string) => `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n${body}`;
const plan = (cluster: Record<string, unknown>) =>
  JSON.stringify({ format_version: "1.2", planned_values: { root_module: { resources: [{ address: "aws_eks_cluster.x", mode: "managed", type: "aws_eks_cluster", name: "x", values: { name: "x", ...cluster } }] } } }, null, 2);

describe("a file eks-warden check cannot read is refused with where and what", () => {
  it.each([
    ["an unterminated JSON string", "plan.json", '{\n  "format_version": "1.2}', /^plan\.json:2:\d+: not valid JSON or YAML: unterminated string/],
    // A truncated file (an interrupted `terraform show -json`) does not end as JSON does: the YAML reader says where.
    ["a truncated JSON file", "plan.json", '{\n  "format_version": "1.2\n', /^plan\.json:3:1: not valid JSON or YAML: Missing closing "quote/],
    ["a raw control character in a JSON string", "plan.json", '{"format_version": "1.\u00012"}', /^plan\.json:1:\d+: .*a control character inside a string/],
    ["an invalid escape in a JSON string", "plan.json", '{"format_version": "1.\\q2"}', /^plan\.json:1:\d+: .*an invalid escape in a string/],
    ["two JSON members without a comma", "plan.json", '{\n  "format_version": "1.2"\n  "planned_values": {}\n}', /^plan\.json:3:3: not valid JSON or YAML: expected "," or "}" after a member, got "\\""/],
    ["two JSON items without a comma", "plan.json", '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{} {}]}}}', /^plan\.json:1:79: not valid JSON or YAML: expected "," or "]" after an item, got "{"/],
  ])("%s", (_name, file, text, message) => {
    expect(refusal(file, text).message).toMatch(message);
  });

  it.each([
    ["a list", "[1, 2]", /got a list/],
    ["a number", "42", /got a number/],
    ["an empty document", "", /got an empty document/],
  ])("a document that is %s is none of the formats, and the message names the formats it reads", (_name, text, got) => {
    const error = refusal("thing.yaml", text);
    expect(error).toBeInstanceOf(NotADesiredState);
    expect(error.message).toMatch(got);
    expect(error.message).toMatch(/expected .*Terraform plan/i);
  });

  it.each([
    ["metadata missing", eksctl("vpc: {}\n"), /^cluster\.yaml:\d+:\d+: metadata: missing; expected metadata\.name and metadata\.region/],
    ["metadata.name missing", eksctl("metadata:\n  region: eu-west-1\n"), /^cluster\.yaml:4:3: metadata\.name: missing/],
    ["publicAccess as text", eksctl("metadata:\n  name: x\nvpc:\n  clusterEndpoints:\n    publicAccess: sometimes\n"), /^cluster\.yaml:7:5: vpc\.clusterEndpoints\.publicAccess: expected true or false, got "sometimes"/],
    ["publicAccessCIDRs not a list", eksctl("metadata:\n  name: x\nvpc:\n  publicAccessCIDRs: 10.0.0.0/8\n"), /^cluster\.yaml:6:\d+: vpc\.publicAccessCIDRs: expected a list/],
    ["a CIDR that is not text", eksctl("metadata:\n  name: x\nvpc:\n  publicAccessCIDRs: [10.0.0.0/8, 7]\n"), /^cluster\.yaml:6:\d+: vpc\.publicAccessCIDRs\[1\]: expected text, got 7/],
    ["vpc not an object", eksctl("metadata:\n  name: x\nvpc: open\n"), /^cluster\.yaml:5:\d+: vpc: expected an object, got "open"/],
    ["an access entry that is not an object", eksctl("metadata:\n  name: x\naccessConfig:\n  accessEntries:\n    - arn:aws:iam::111122223333:role/admin\n"), /accessConfig\.accessEntries\[0\]: expected an object with principalARN/],
    ["an access entry without principalARN", eksctl("metadata:\n  name: x\naccessConfig:\n  accessEntries:\n    - type: STANDARD\n"), /accessConfig\.accessEntries\[0\]\.principalARN: missing; expected the IAM principal's ARN/],
    [
      "an access scope of an unknown type",
      eksctl("metadata:\n  name: x\naccessConfig:\n  accessEntries:\n    - principalARN: arn:aws:iam::111122223333:role/admin\n      accessPolicies:\n        - policyARN: arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy\n          accessScope:\n            type: account\n"),
      /^cluster\.yaml:11:13: accessConfig\.accessEntries\[0\]\.accessPolicies\[0\]\.accessScope\.type: expected cluster or namespace, got "account"/,
    ],
  ])("eksctl: %s", (_name, text, message) => {
    expect(refusal("cluster.yaml", text).message).toMatch(message);
  });

  it("a Terraform plan whose cluster's endpoint setting has the wrong type names the attribute and its line", () => {
    const error = refusal("plan.json", plan({ vpc_config: [{ endpoint_public_access: "yes" }] }));
    expect(error).toBeInstanceOf(DesiredStateError);
    expect(error.message).toMatch(/^plan\.json:\d+:\d+: .*endpoint_public_access.*expected true or false, got "yes"/);
  });
});
