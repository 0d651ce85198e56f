// The remediation commands are meant to be pasted into a shell: split them with a real shell and run them through
// the real AWS CLI (a second, independent client), capturing the request it would send. This proves the quoting
// and the CLI's shorthand turn into the API call the remediation text promises. Skipped where the CLI is absent.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/engine.ts";
import { ruleById, rules } from "../../src/rules/index.ts";
import { cluster, context, policy, publicEndpoint, ruleFixture, sharedCatalogue } from "./helpers.ts";

/**
 * Runs each command's words through the AWS CLI's own driver, in one Python process (the CLI takes seconds to start),
 * and stops every request just before it would be sent: nothing leaves the machine.
 */
const CAPTURE = `
import io, json, sys, contextlib
from awscli.clidriver import create_clidriver
class Captured(Exception):
    pass
results = []
for words in json.load(sys.stdin):
    seen = {}
    def capture(request, **kwargs):
        body = request.body
        seen.update(method=request.method, url=request.url, body=body.decode() if isinstance(body, bytes) else body)
        raise Captured()
    driver = create_clidriver()
    driver.session.register("before-send", capture)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        driver.main(words[1:])
    results.append(seen or {"error": err.getvalue()[-800:]})
print(json.dumps(results))
`;

const hasAwsCli = spawnSync("python3", ["-c", "import awscli.clidriver"], { stdio: "ignore" }).status === 0;

/** The words a POSIX shell makes of a command line (quotes removed), split by the shell itself. */
function shellWords(command: string): string[] {
  const output = execFileSync("sh", ["-c", 'eval "set -- $1"; printf "%s\\0" "$@"', "sh", command], { encoding: "utf8" });
  return output.split("\0").slice(0, -1);
}

interface CapturedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly body?: string;
  readonly error?: string;
}

/** The HTTP requests the AWS CLI builds for these command lines, in order. */
function requestsOf(commands: readonly string[]): { method: string; path: string; body: unknown }[] {
  const words = commands.map((command) => {
    const split = shellWords(command);
    expect(split[0], command).toBe("aws");
    return split;
  });
  const output = execFileSync("python3", ["-c", CAPTURE], {
    input: JSON.stringify(words),
    encoding: "utf8",
    env: { ...process.env, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "example", AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" },
    timeout: 60_000,
  });
  return (JSON.parse(output) as CapturedRequest[]).map((request, index) => {
    if (request.url === undefined) throw new Error(`the AWS CLI built no request for: ${commands[index]}\n${request.error}`);
    return { method: request.method ?? "", path: new URL(request.url).pathname, body: request.body ? (JSON.parse(request.body) as unknown) : undefined };
  });
}

/** Without the request token the CLI adds at random. */
function withoutToken(body: unknown): unknown {
  const { clientRequestToken: _token, ...rest } = body as Record<string, unknown>;
  return rest;
}

describe.skipIf(!hasAwsCli)("remediation commands, through the real AWS CLI", () => {
  it("makes each rule's FAIL-fixture remediation the API call it describes", () => {
    const fixtureContext = { now: new Date("2026-06-01T00:00:00Z"), versions: sharedCatalogue() };
    const expected: Record<string, { path: string; body: unknown; method?: string }> = {
      "upgrade-insights": { method: "GET", path: "/clusters/payments-prod/insights/a1b2c3d4-0000-4000-8000-000000000001", body: undefined },
      "nodegroup-version-skew": { path: "/clusters/payments-prod/node-groups/payments-batch/update-version", body: { version: "1.34" } },
      "nodegroup-ami-outdated": { path: "/clusters/payments-prod/node-groups/payments-general/update-version", body: {} },
      "addon-outdated": { path: "/clusters/payments-prod/addons/vpc-cni/update", body: { addonVersion: "v1.20.4-eksbuild.1", resolveConflicts: "PRESERVE" } },
      "endpoint-public-access": { path: "/clusters/payments-prod/update-config", body: { resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } } },
      "endpoint-private-access": { path: "/clusters/payments-prod/update-config", body: { resourcesVpcConfig: { endpointPrivateAccess: true } } },
      "version-support": { path: "/clusters/payments-prod/updates", body: { version: "1.29" } },
      "version-drift": { path: "/clusters/payments-prod/updates", body: { version: "1.32" } },
      "extended-support-enrollment": { path: "/clusters/payments-prod/update-config", body: { upgradePolicy: { supportType: "STANDARD" } } },
      "control-plane-audit-logging": { path: "/clusters/payments-prod/update-config", body: { logging: { clusterLogging: [{ types: ["audit"], enabled: true }] } } },
      "access-cluster-admin": {
        method: "DELETE",
        path: "/clusters/payments-prod/access-entries/arn:aws:iam::111122223333:role/ci-deployer/access-policies/arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        body: undefined,
      },
      "access-authentication-mode": { path: "/clusters/payments-prod/update-config", body: { accessConfig: { authenticationMode: "API_AND_CONFIG_MAP" } } },
      "access-identity-providers": { path: "/clusters/payments-prod/identity-provider-configs/disassociate", body: { identityProviderConfig: { type: "oidc", name: "contractor-sso" } } },
      "access-creator-admin": { method: "DELETE", path: "/clusters/payments-prod/access-entries/arn:aws:iam::111122223333:role/terraform-ci", body: undefined },
      "exemption-tag-valid": {
        path: "/tags/arn%3Aaws%3Aeks%3Aeu-west-1%3A111122223333%3Acluster%2Fpayments-prod",
        body: { tags: { "eks-warden:exempt": "<rule-id> until=YYYY-MM-DD reason=<why>" } },
      },
    };
    const commands = rules.map((rule) => {
      const { snapshot, context: extra } = ruleFixture(rule.id, "fail");
      const [finding] = evaluate(snapshot, policy(), { ...fixtureContext, ...extra }, [rule]);
      return finding?.remediation.command ?? "";
    });
    const requests = requestsOf(commands);
    for (const [index, rule] of rules.entries()) {
      const request = requests[index]!;
      const want = expected[rule.id];
      expect(want, `expected request for ${rule.id}`).toBeDefined();
      expect(request.method, rule.id).toBe(want?.method ?? "POST");
      expect(decodeURIComponent(request.path), rule.id).toBe(decodeURIComponent(want?.path ?? ""));
      expect(rule.id === "exemption-tag-valid" || request.body === undefined ? request.body : withoutToken(request.body), rule.id).toEqual(want?.body);
    }
  });

  it("restricts to an IPv4 and IPv6 allowlist with the CLI's shorthand", () => {
    const openWorld = cluster({ endpoint: publicEndpoint(["0.0.0.0/0"]) });
    const restrict = policy({ remediation: { action: "restrict-to-allowlist" }, endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "2001:db8::/32"] } });
    const [finding] = evaluate(openWorld, restrict, context(), [ruleById("endpoint-public-access")!]);
    expect(withoutToken(requestsOf([finding?.remediation.command ?? ""])[0]?.body)).toEqual({
      resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24", "2001:db8::/32"] },
    });
  });
});
