import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../src/errors.ts";
import { defaultPolicy, parsePolicy } from "../src/policy.ts";

const LEGACY = "arn:aws:eks:eu-west-1:111122223333:cluster/legacy";

function policyErrorOf(input: unknown): PolicyError {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error("expected a PolicyError, but the policy was accepted");
}

describe("parsePolicy defaults", () => {
  it("fills every default: private-only premise, remediation off, this region only", () => {
    expect(parsePolicy({})).toEqual({
      remediation: { mode: "off", action: "private", overrideTags: [] },
      endpoint: { allowedPublicCidrs: [], allowlistedPublicAccessPasses: false },
      versions: { warningWindowDays: 90, allowedMinorVersionsBehind: 1 },
      regions: [],
      accounts: [],
      schedules: { digest: "cron(0 8 ? * MON *)", sweep: "cron(0 6 * * ? *)" },
      exemptions: { maxDays: 90, tags: [], entries: [] },
      pricing: { standardPerClusterHourUsd: 0.1, extendedPerClusterHourUsd: 0.6 },
      securityHub: { enabled: false, regions: [] },
      access: { admins: [], identityProviders: [], creatorAdminMaxDays: 7 },
      alertEmails: [],
    });
    expect(parsePolicy(undefined)).toEqual(defaultPolicy());
  });

  it("keeps the defaults of the fields a partial section leaves out", () => {
    const policy = parsePolicy({ remediation: { mode: "enforce" }, versions: { warningWindowDays: 30 }, schedules: { sweep: "rate(12 hours)" } });
    expect(policy.remediation).toEqual({ mode: "enforce", action: "private", overrideTags: [] });
    expect(policy.versions).toEqual({ warningWindowDays: 30, allowedMinorVersionsBehind: 1 });
    expect(policy.schedules).toEqual({ digest: "cron(0 8 ? * MON *)", sweep: "rate(12 hours)" });
  });

  it("accepts a full, realistic policy", () => {
    const input = {
      remediation: { mode: "dry-run", action: "restrict-to-allowlist", overrideTags: ["arn:aws:iam::111122223333:role/PlatformLead", "arn:aws:sts::111122223333:assumed-role/PlatformLead/*"] },
      endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "2001:db8:1234::/48"], allowlistedPublicAccessPasses: true },
      versions: { warningWindowDays: 60, allowedMinorVersionsBehind: 2 },
      regions: ["eu-west-1", "us-gov-west-1"],
      accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/eks-warden/Reader" }, { id: "444455556666" }],
      schedules: { digest: "cron(30 7 ? * MON-FRI *)", sweep: "rate(1 day)" },
      exemptions: {
        maxDays: 30,
        tags: ["arn:aws:iam::111122223333:role/SecurityAdmin", "arn:aws:sts::111122223333:assumed-role/SecurityAdmin/*"],
        entries: [
          { cluster: "arn:aws:eks:eu-west-1:111122223333:cluster/legacy", rules: ["endpoint-public-access"], until: "2026-12-31", reason: "vendor VPN cut-over" },
          { cluster: "arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/sandbox", rules: ["version-support", "version-drift"], until: "2027-01-15", reason: "decommissioned in January" },
        ],
      },
      pricing: { standardPerClusterHourUsd: 0.1, extendedPerClusterHourUsd: 0.5 },
      securityHub: { enabled: true, regions: ["eu-west-1"] },
      access: { admins: ["arn:aws:iam::111122223333:role/platform-admin"], identityProviders: ["https://example.okta.com"], creatorAdminMaxDays: 3 },
      alertEmails: ["platform-security@example.com"],
    };
    expect(parsePolicy(input)).toEqual(input);
  });
});

describe("parsePolicy errors name the field and what was expected", () => {
  it("explains an invalid allowlist CIDR at its index", () => {
    const error = policyErrorOf({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "198.51.100.0/24", "10.0.0.0/33"] } });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("endpoint.allowedPublicCidrs[2]");
    expect(error.issues[0]?.message).toMatch(/^"10\.0\.0\.0\/33" is not a valid IPv4 or IPv6 CIDR: it has an invalid prefix length "33"/);
    expect(error.message).toMatch(/^invalid policy: endpoint\.allowedPublicCidrs\[2\]: "10\.0\.0\.0\/33" is not a valid IPv4 or IPv6 CIDR/);
  });

  it.each([
    [{ endpoint: { allowedPublicCidrs: ["10.0.0.1/8"] } }, "endpoint.allowedPublicCidrs[0]", '"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?'],
    [{ endpoint: { allowedPublicCidrs: ["::/0"] } }, "endpoint.allowedPublicCidrs[0]", '"::/0" is the whole internet; an allowlist must name the networks it trusts'],
    [{ endpoint: { allowedPublicCidrs: ["office"] } }, "endpoint.allowedPublicCidrs[0]", /^"office" is not a valid IPv4 or IPv6 CIDR: it has no prefix length/],
    [{ endpoint: { allowlistedPublicAccessPasses: "no" } }, "endpoint.allowlistedPublicAccessPasses", "expected boolean, received string"],
    [{ remediation: { mode: "auto" } }, "remediation.mode", /expected one of "off"\|"dry-run"\|"enforce"/],
    [{ remediation: { action: "restrict-to-allowlist" } }, "remediation.action", "restrict-to-allowlist needs at least one CIDR in endpoint.allowedPublicCidrs"],
    [{ versions: { warningWindowDays: -1 } }, "versions.warningWindowDays", "expected a whole number from 0 to 3650"],
    [{ versions: { allowedMinorVersionsBehind: 1.5 } }, "versions.allowedMinorVersionsBehind", "expected a whole number from 0 to 20, got 1.5"],
    [{ regions: ["eu-west-1", "Ireland"] }, "regions[1]", '"Ireland" is not an AWS region such as "eu-west-1"'],
    [{ regions: ["eu-west-1", "eu-west-1"] }, "regions[1]", '"eu-west-1" is listed twice'],
    [{ regions: ["eu-wst-1"] }, "regions[0]", '"eu-wst-1" is not an AWS region; did you mean eu-west-1?'],
    [{ regions: ["r".repeat(100)] }, "regions[0]", `"${"r".repeat(77)}..." is not an AWS region such as "eu-west-1"`],
    [{ accounts: [{ id: "1111-2222-3333" }] }, "accounts[0].id", '"1111-2222-3333" is not a 12-digit AWS account id'],
    [{ accounts: [{ id: "111122223333" }, { id: "111122223333" }] }, "accounts[1].id", '"111122223333" is listed twice'],
    [{ accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:user/alice" }] }, "accounts[0].roleArn", /is not an IAM role ARN/],
    [
      { accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::444455556666:role/Reader" }] },
      "accounts[0].roleArn",
      "the role is in account 444455556666, not in 111122223333; expected the role to assume in that account",
    ],
    [
      { accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/Reader", remediationRoleArn: "arn:aws:iam::444455556666:role/Fixer" }] },
      "accounts[0].remediationRoleArn",
      "the role is in account 444455556666, not in 111122223333; expected the role to assume in that account",
    ],
    [
      { accounts: [{ id: "111122223333", remediationRoleArn: "arn:aws:iam::111122223333:role/Fixer" }] },
      "accounts[0].roleArn",
      "a remediationRoleArn needs the read-only roleArn of the same account: the account must be read before it is changed",
    ],
    [{ accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/Reader", externalId: "x" }] }, "accounts[0].externalId", /is not an external id: 2 to 1224 of letters/],
    [{ accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/Reader", externalId: "has space" }] }, "accounts[0].externalId", /"has space" is not an external id/],
    [
      { accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/Reader", externalId: "eks-warden-7f3a9c", externalIdParameter: "/eks-warden/external-id/111122223333" }] },
      "accounts[0].externalIdParameter",
      "give the external id once: externalIdParameter (an SSM SecureString parameter) or externalId, not both",
    ],
    [{ accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/Reader", externalIdParameter: "eks-warden/id" }] }, "accounts[0].externalIdParameter", /"eks-warden\/id" is not an SSM parameter name: a path such as \/eks-warden/],
    [{ schedules: { digest: "every monday" } }, "schedules.digest", /not a schedule expression: expected cron\(/],
    [{ schedules: { digest: "cron(0 8 * * MON *)" } }, "schedules.digest", /exactly one of day-of-month and day-of-week must be \?/],
    [{ schedules: { sweep: "cron(0 6 * * ?)" } }, "schedules.sweep", /has 6 fields .* this one has 5/],
    [{ schedules: { sweep: "cron(0 6 * * ? $)" } }, "schedules.sweep", /may hold only digits, letters/],
    [{ schedules: { sweep: "rate(2 day)" } }, "schedules.sweep", /write rate\(1 day\) for one and rate\(N days\) for more/],
    [{ schedules: { sweep: "rate(0 hours)" } }, "schedules.sweep", /at least 1/],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: ["EndpointPublic"], until: "2026-12-31", reason: "x" }] } }, "exemptions.entries[0].rules[0]", /"EndpointPublic" is not a rule id/],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: [], until: "2026-12-31", reason: "x" }] } }, "exemptions.entries[0].rules", "expected at least one rule id"],
    [
      { exemptions: { entries: [{ cluster: LEGACY, rules: ["version-drift", "endpoint-public-acess"], until: "2026-12-31", reason: "x" }] } },
      "exemptions.entries[0].rules[1]",
      /^"endpoint-public-acess" is not a rule of EKS Warden; expected one of .*endpoint-public-access/,
    ],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: ["version-drift"], until: "31/12/2026", reason: "x" }] } }, "exemptions.entries[0].until", '"31/12/2026" is not a calendar day written YYYY-MM-DD'],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: ["version-drift"], until: "2026-02-29", reason: "x" }] } }, "exemptions.entries[0].until", /not a calendar day/],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: ["version-drift"], until: "2026-12-31", reason: "   " }] } }, "exemptions.entries[0].reason", /every exemption must say why/],
    [{ exemptions: { entries: [{ cluster: LEGACY, rules: ["version-drift"], until: "2026-12-31" }] } }, "exemptions.entries[0].reason", "expected string, received undefined"],
    [{ exemptions: { entries: [{ cluster: "arn:aws:eks:eu-west-1:1:cluster/x", rules: ["version-drift"], until: "2026-12-31", reason: "x" }] } }, "exemptions.entries[0].cluster", /is not an EKS cluster ARN/],
    [
      { exemptions: { entries: [{ cluster: "legacy", rules: ["version-drift"], until: "2026-12-31", reason: "x" }] } },
      "exemptions.entries[0].cluster",
      '"legacy" is a bare cluster name, which would exempt every cluster of that name in every account and region; name it by its ARN (arn:aws:eks:<region>:<account>:cluster/legacy)',
    ],
    [{ exemptions: [] }, "exemptions", "expected { maxDays, tags, entries }: the list of exemptions moved to exemptions.entries"],
    [{ exemptions: { maxDays: 0 } }, "exemptions.maxDays", "expected a whole number from 1 to 3650"],
    [{ exemptions: { tags: true } }, "exemptions.tags", "expected false or a list of IAM principal ARNs or patterns, got true"],
    [{ exemptions: { tags: ["mallory"] } }, "exemptions.tags[0]", /^"mallory" is not an IAM principal ARN or pattern/],
    [{ exemptions: { tags: ["*", "*"] } }, "exemptions.tags[1]", '"*" is listed twice'],
    [
      { exemptions: { tags: ["arn:aws:iam::*:role/SecurityAdmin"] } },
      "exemptions.tags[0]",
      '"arn:aws:iam::*:role/SecurityAdmin" names no account ("*" in the account field): name the 12-digit account whose principal may grant exemptions, e.g. arn:aws:iam::111122223333:role/SecurityAdmin',
    ],
    [{ exemptions: { tags: ["arn:aws:sts::????????????:assumed-role/SecurityAdmin/*"] } }, "exemptions.tags[0]", /names no account \("\?\?\?\?\?\?\?\?\?\?\?\?" in the account field\)/],
    [{ remediation: { overrideTags: "*" } }, "remediation.overrideTags", 'expected a list of IAM principal ARNs or patterns, got "*"'],
    [{ remediation: { overrideTags: ["mallory"] } }, "remediation.overrideTags[0]", /^"mallory" is not an IAM principal ARN or pattern/],
    [{ remediation: { overrideTags: ["*", "*"] } }, "remediation.overrideTags[1]", '"*" is listed twice'],
    [
      { remediation: { overrideTags: ["arn:aws:iam::*:role/PlatformLead"] } },
      "remediation.overrideTags[0]",
      '"arn:aws:iam::*:role/PlatformLead" names no account ("*" in the account field): name the 12-digit account whose principal may set the remediation override, e.g. arn:aws:iam::111122223333:role/SecurityAdmin',
    ],
    [{ alertEmails: ["security@example.com", "security"] }, "alertEmails[1]", '"security" is not an email address'],
    [{ remediaton: { mode: "enforce" } }, "remediaton", "unknown field (check its spelling)"],
    [{ endpoint: { allowedPublicCidr: [] } }, "endpoint.allowedPublicCidr", "unknown field (check its spelling)"],
    [null, "", "expected object, received null"],
  ])("rejects %j at %s", (input, path, message) => {
    const error = policyErrorOf(input);
    const issue = error.issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(error.issues)).toBeDefined();
    if (typeof message === "string") expect(issue?.message).toBe(message);
    else expect(issue?.message).toMatch(message);
  });

  it("reports every problem at once, so one deploy attempt shows them all", () => {
    const error = policyErrorOf({ regions: ["x"], alertEmails: ["y"], versions: { warningWindowDays: "90" } });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["alertEmails[0]", "regions[0]", "versions.warningWindowDays"]);
  });

  it("reports an unknown exemption rule id, a duplicate region and a role in another account with the other errors, not after them", () => {
    const error = policyErrorOf({
      versions: { warningWindowDays: "90" },
      regions: ["eu-west-1", "eu-west-1"],
      accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::444455556666:role/Reader" }],
      exemptions: { entries: [{ cluster: LEGACY, rules: ["endpoint-public-acess"], until: "2026-12-31", reason: "x" }] },
    });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["accounts[0].roleArn", "exemptions.entries[0].rules[0]", "regions[1]", "versions.warningWindowDays"]);
  });

  it("checks securityHub like the rest: a boolean, known regions listed once, no unknown key", () => {
    const error = policyErrorOf({ securityHub: { enabled: "yes", regions: ["eu-west-1", "eu-west-1", "mars-1"], region: "eu-west-1" } });
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]));
    expect(byPath["securityHub.enabled"]).toBe('expected true or false, got "yes"');
    expect(byPath["securityHub.regions[1]"]).toBe('"eu-west-1" is listed twice');
    expect(byPath["securityHub.regions[2]"]).toBe('"mars-1" is not an AWS region such as "eu-west-1"');
    expect(byPath["securityHub.region"]).toBe("unknown field (check its spelling)");
  });

  it("reports restrict-to-allowlist without an allowlist with an error elsewhere", () => {
    const error = policyErrorOf({ remediation: { action: "restrict-to-allowlist" }, regions: 5 });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["regions", "remediation.action"]);
  });
});

describe("policy.access", () => {
  it("takes admin ARN patterns, issuer URLs and the creator admin's grace days", () => {
    const access = { admins: ["arn:aws:iam::111122223333:role/platform-admin", "arn:aws:iam::*:role/eks-admins/*"], identityProviders: ["https://example.okta.com/oauth2/default"], creatorAdminMaxDays: 3 };
    expect(parsePolicy({ access }).access).toEqual(access);
    expect(parsePolicy({ access: { admins: ["arn:aws:iam::111122223333:role/x"] } }).access.creatorAdminMaxDays).toBe(7);
  });

  it("names each bad entry and what was expected, all at once", () => {
    const error = policyErrorOf({
      access: {
        admins: ["platform-admin", "arn:aws:sts::111122223333:assumed-role/Admin/alice", "arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/a"],
        identityProviders: ["http://example.okta.com", "https://idp.example.com/", "https://idp.example.com"],
        creatorAdminMaxDays: 1.5,
        owners: [],
      },
    });
    expect(error.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^access\.admins\[0\]: "platform-admin" is not an IAM role or user ARN or pattern/),
        expect.stringMatching(/^access\.admins\[1\]: .*never sessions$/),
        'access.admins[3]: "arn:aws:iam::111122223333:role/a" is listed twice',
        expect.stringMatching(/^access\.identityProviders\[0\]: "http:\/\/example\.okta\.com" is not an OIDC issuer URL/),
        'access.identityProviders[2]: "https://idp.example.com" is listed twice',
        expect.stringMatching(/^access\.creatorAdminMaxDays: expected a whole number from 0 to 3650/),
        "access.owners: unknown field (check its spelling)",
      ]),
    );
    expect(error.issues).toHaveLength(7);
  });
});

describe("parsePolicy on arbitrary input", () => {
  it("throws nothing but PolicyError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json().map((text) => JSON.parse(text) as unknown)), (input) => {
        try {
          parsePolicy(input);
          return true;
        } catch (error) {
          return error instanceof PolicyError;
        }
      }),
      { numRuns: 300 },
    );
  });
});
