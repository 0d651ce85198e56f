// The deployment Policy (model.ts): its schema, its defaults, and validation with errors that name the field.
// Validated at synth and at cold start, so a mistake stops a deployment instead of weakening the monitor.
// Unknown keys are errors: a misspelt "remediaton" would otherwise silently leave remediation off.

import * as z from "zod/mini";
import { parseCidr, isWorldOpen } from "./cidr.ts";
import { endOfDayUtc } from "./dates.ts";
import { PolicyError, type CidrError } from "./errors.ts";
import { RULE_ID_PATTERN } from "./exemptions.ts";
import type { Policy } from "./model.ts";
import { rules as registry } from "./rules/index.ts";
import { ACCOUNT_ID, CLUSTER_NAME, parseClusterArn } from "./arn.ts";
import { EKS_LIST_PRICES } from "./pricing.ts";
import { regionProblem } from "./regions.ts";
import { shownValue } from "./text.ts";
import { issuesFromZod } from "./zod-issues.ts";

export const DEFAULT_SCHEDULES = {
  /** Mondays 08:00 UTC. */
  digest: "cron(0 8 ? * MON *)",
  /** Every day 06:00 UTC. */
  sweep: "cron(0 6 * * ? *)",
} as const;


const ROLE_ARN = /^arn:(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** AssumeRole's ExternalId constraint. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** An SSM parameter name: a path of letters, digits and _ . - / under a leading / (SSM's allowed characters). */
const PARAMETER_NAME = /^\/[\w.\-/]{1,1010}$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

const quoted = (value: unknown): string => shownValue(value);

/** A public CIDR the organisation accepts: a real block, not the whole internet, with no host bits set. */
const allowedCidr = z.string().check(z.superRefine((text, context) => {
  let block;
  try {
    block = parseCidr(text);
  } catch (error) {
    // parseCidr throws CidrError, whose issue reads `"<text>" <problem>`: keep the problem, phrased after "it".
    const problems = (error as CidrError).issues.map((issue) => `it ${issue.message.slice(JSON.stringify(text).length + 1)}`);
    context.addIssue({ code: "custom", message: `${quoted(text)} is not a valid IPv4 or IPv6 CIDR: ${problems.join("; ")}` });
    return;
  }
  if (isWorldOpen(block)) {
    context.addIssue({ code: "custom", message: `${quoted(text)} is the whole internet; an allowlist must name the networks it trusts` });
  } else if (block.hostBitsSet) {
    context.addIssue({ code: "custom", message: `${quoted(text)} has host bits set; did you mean ${block.canonical}?` });
  }
}));

const knownRegion = z.string().check(z.superRefine((region, context) => {
  const problem = regionProblem(region);
  if (problem) context.addIssue({ code: "custom", message: problem });
}));

const calendarDay = z.string().check(z.refine((text) => endOfDayUtc(text) !== undefined, {
  error: (issue) => `${quoted(issue.input)} is not a calendar day written YYYY-MM-DD`,
}));

// Checked where it is written, so a misspelt id is reported with every other problem, not after they are fixed.
// A misspelt rule id would exempt nothing while the team believes the finding is accepted.
const ruleId = z.string().check(z.superRefine((id, context) => {
  const known = registry.map((rule) => rule.id);
  if (!RULE_ID_PATTERN.test(id)) context.addIssue({ code: "custom", message: `${quoted(id)} is not a rule id (kebab-case, e.g. endpoint-public-access)` });
  else if (!known.includes(id)) context.addIssue({ code: "custom", message: `${quoted(id)} is not a rule of EKS Warden; expected one of ${known.join(", ")}` });
}));

/** EventBridge Scheduler/rule syntax: cron(minutes hours day-of-month month day-of-week year) or rate(N unit). */
function scheduleProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const [, amount, unit] = rate as unknown as [string, string, string];
    if (Number(amount) === 0) return "a rate must be at least 1";
    if ((Number(amount) === 1) !== !unit.endsWith("s")) return `write rate(1 ${unit.replace(/s$/, "")}) for one and rate(N ${unit.replace(/s?$/, "s")}) for more`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return "expected cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|days)";
  const fields = String(cron[1]).trim().split(/\s+/);
  if (fields.length !== 6) return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`;
  if (!fields.every((field) => CRON_FIELD.test(field))) return "a cron field may hold only digits, letters and * ? , / - #";
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) return "exactly one of day-of-month and day-of-week must be ?";
  return undefined;
}

const schedule = z.string().check(z.superRefine((expression, context) => {
  const problem = scheduleProblem(expression);
  if (problem) context.addIssue({ code: "custom", message: `${quoted(expression)} is not a schedule expression: ${problem}` });
}));

function wholeNumber(min: number, max: number) {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z.int({ error: (issue) => `${expected}, got ${quoted(issue.input)}` }).check(z.minimum(min, { error: expected }), z.maximum(max, { error: expected }));
}

const account = z
  .strictObject({
    id: z.string().check(z.regex(ACCOUNT_ID, { error: (issue) => `${quoted(issue.input)} is not a 12-digit AWS account id` })),
    roleArn: z.optional(z.string().check(z.regex(ROLE_ARN, { error: (issue) => `${quoted(issue.input)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)` }))),
    /** The member account's remediation role (eks:UpdateClusterConfig only); absent: its clusters are never changed. */
    remediationRoleArn: z.optional(z.string().check(z.regex(ROLE_ARN, { error: (issue) => `${quoted(issue.input)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)` }))),
    /** Given with every AssumeRole into the account; the member roles' trust policies require the same value. */
    externalId: z.optional(
      z.string().check(z.regex(EXTERNAL_ID, { error: (issue) => `${quoted(issue.input)} is not an external id: 2 to 1224 of letters, digits and + = , . @ : / -` })),
    ),
    /** The SSM SecureString parameter (the deployment's region) holding the external id: kept out of the environment. */
    externalIdParameter: z.optional(
      z.string().check(z.regex(PARAMETER_NAME, { error: (issue) => `${quoted(issue.input)} is not an SSM parameter name: a path such as /eks-warden/external-id/111122223333 (letters, digits and _ . - /)` })),
    ),
  })
  .check(
    z.superRefine((entry, context) => {
      for (const field of ["roleArn", "remediationRoleArn"] as const) {
        const value = entry[field];
        const roleAccount = value === undefined ? undefined : ROLE_ARN.exec(value)?.[1];
        if (roleAccount !== undefined && roleAccount !== entry.id) {
          context.addIssue({ code: "custom", path: [field], message: `the role is in account ${roleAccount}, not in ${entry.id}; expected the role to assume in that account` });
        }
      }
      if (entry.externalId !== undefined && entry.externalIdParameter !== undefined) {
        context.addIssue({ code: "custom", path: ["externalIdParameter"], message: "give the external id once: externalIdParameter (an SSM SecureString parameter) or externalId, not both" });
      }
      if (entry.remediationRoleArn !== undefined && entry.roleArn === undefined) {
        context.addIssue({ code: "custom", path: ["roleArn"], message: "a remediationRoleArn needs the read-only roleArn of the same account: the account must be read before it is changed" });
      }
    }),
  );

/**
 * A list in which each value may appear once; `key` picks what must be unique and where the issue points. `expected`
 * names what the list holds, for an input that is no list at all.
 */
function noRepeats<S extends z.ZodMiniType>(item: S, key: (value: z.output<S>) => string, path: readonly PropertyKey[] = [], expected?: string) {
  return z.array(item, expected === undefined ? undefined : { error: (issue) => (Array.isArray(issue.input) ? undefined : `expected ${expected}, got ${quoted(issue.input)}`) }).check(
    z.superRefine((values, context) => {
      const seen = new Set<string>();
      values.forEach((value, index) => {
        const id = key(value);
        if (seen.has(id)) context.addIssue({ code: "custom", path: [index, ...path], message: `${quoted(id)} is listed twice` });
        seen.add(id);
      });
    }),
  );
}

/**
 * Who may set a governed tag (an exemption, the remediation override): "*" (anyone) or an IAM principal ARN, with * and
 * ? as wildcards in the name. The account is always named: a pattern of any account would let a role of that name in
 * an account the attacker owns (`arn:aws:iam::<theirs>:role/SecurityAdmin`) set it wherever its tags can be set.
 * `may` completes "whose principal may ...".
 */
function grantor(may: string) {
  return z.string().check(
    z.superRefine((text, context) => {
      if (text === "*" || /^arn:[a-z-]+:(iam|sts)::\d{12}:[\w+=,.@/*?-]+$/.test(text)) return;
      const anyAccount = /^arn:[a-z-]+:(iam|sts)::([\d*?]*[*?][\d*?]*):[\w+=,.@/*?-]+$/.exec(text);
      context.addIssue({
        code: "custom",
        message: anyAccount
          ? `${quoted(text)} names no account (${quoted(anyAccount[2])} in the account field): name the 12-digit account whose principal may ${may}, e.g. arn:aws:iam::111122223333:role/SecurityAdmin`
          : `${quoted(text)} is not an IAM principal ARN or pattern (e.g. arn:aws:iam::111122223333:role/SecurityAdmin, arn:aws:sts::111122223333:assumed-role/SecurityAdmin/*) nor "*"`,
      });
    }),
  );
}

/** An IAM principal allowed to hold cluster admin: a role or user ARN, with * and ? as wildcards. */
const admin = z.string().check(
  z.refine((text) => /^arn:[a-z-]+:iam::(\d{12}|\*|\?+):(role|user|\*)[\w+=,.@/*?-]*$/.test(text), {
    error: (issue) =>
      `${quoted(issue.input)} is not an IAM role or user ARN or pattern (e.g. arn:aws:iam::111122223333:role/platform-admin, arn:aws:iam::111122223333:role/eks-admins/*); access entries name IAM roles and users, never sessions`,
  }),
);

/** An OIDC issuer the organisation trusts: an https URL, compared as written (without a trailing slash). */
const issuer = z.string().check(
  z.refine((text) => /^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(text), {
    error: (issue) => `${quoted(issue.input)} is not an OIDC issuer URL (https://<host>[/<path>], e.g. https://example.okta.com/oauth2/default)`,
  }),
);

const exemption = z.strictObject({
  cluster: z.string().check(
    z.superRefine((text, context) => {
      if (parseClusterArn(text) !== undefined) return;
      const message = CLUSTER_NAME.test(text)
        ? `${quoted(text)} is a bare cluster name, which would exempt every cluster of that name in every account and region; name it by its ARN (arn:aws:eks:<region>:<account>:cluster/${text})`
        : `${quoted(text)} is not an EKS cluster ARN (arn:aws:eks:<region>:<account>:cluster/<name>)`;
      context.addIssue({ code: "custom", message });
    }),
  ),
  rules: z.array(ruleId).check(z.minLength(1, { error: "expected at least one rule id" })),
  until: calendarDay,
  reason: z.string().check(z.trim(), z.minLength(1, { error: "expected a reason: every exemption must say why" })),
});

export const policySchema = z
  .strictObject({
    remediation: z.prefault(
      z.strictObject({
        mode: z._default(z.enum(["off", "dry-run", "enforce"]), "off"),
        action: z._default(z.enum(["private", "restrict-to-allowlist"]), "private"),
        /** UpdateClusterConfig calls per cluster in 24 h before remediation stops and reports a conflict (absent: 3). */
        attemptsPerDay: z.optional(wholeNumber(1, 10)),
        /**
         * Who may set the per-cluster override tag eks-warden:remediation (opt-out, or another action): IAM principal
         * ARNs or patterns, "*" anyone; empty (the default) no one, so the tag is ignored and the policy applies.
         */
        overrideTags: z._default(noRepeats(grantor("set the remediation override"), (pattern) => pattern, [], "a list of IAM principal ARNs or patterns"), []),
      }),
      {},
    ),
    endpoint: z.prefault(
      z.strictObject({
        allowedPublicCidrs: z._default(z.array(allowedCidr), []),
        allowlistedPublicAccessPasses: z._default(z.boolean(), false),
      }),
      {},
    ),
    versions: z.prefault(
      z.strictObject({
        warningWindowDays: z._default(wholeNumber(0, 3650), 90),
        allowedMinorVersionsBehind: z._default(wholeNumber(0, 20), 1),
      }),
      {},
    ),
    /** Empty: the deployment's own region only. */
    regions: z._default(
      noRepeats(knownRegion, (region) => region),
      [],
    ),
    accounts: z._default(noRepeats(account, (entry) => entry.id, ["id"]), []),
    schedules: z.prefault(z.strictObject({ digest: z._default(schedule, DEFAULT_SCHEDULES.digest), sweep: z._default(schedule, DEFAULT_SCHEDULES.sweep) }), {}),
    exemptions: z.prefault(
      z.strictObject(
        {
          maxDays: z._default(wholeNumber(1, 3650), 90),
          tags: z._default(
            z.union([z.literal(false), noRepeats(grantor("grant exemptions"), (pattern) => pattern)], {
              error: (issue) => `expected false or a list of IAM principal ARNs or patterns, got ${quoted(issue.input)}`,
            }),
            [],
          ),
          entries: z._default(z.array(exemption), []),
        },
        {
          error: (issue) =>
            Array.isArray(issue.input)
              ? "expected { maxDays, tags, entries }: the list of exemptions moved to exemptions.entries"
              : undefined,
        },
      ),
      {},
    ),
    /** What the rules and the digest price the control plane at (your negotiated rates, another currency's equivalent). */
    pricing: z.prefault(
      z.strictObject({
        standardPerClusterHourUsd: z._default(
          z.number({ error: "expected a price in USD per cluster-hour, e.g. 0.1" }).check(z.minimum(0), z.maximum(100)),
          EKS_LIST_PRICES.standardPerClusterHourUsd,
        ),
        extendedPerClusterHourUsd: z._default(
          z.number({ error: "expected a price in USD per cluster-hour, e.g. 0.6" }).check(z.minimum(0), z.maximum(100)),
          EKS_LIST_PRICES.extendedPerClusterHourUsd,
        ),
      }),
      {},
    ),
    /** Export to AWS Security Hub (docs/security-hub.md): off unless enabled; `regions` where findings are imported. */
    securityHub: z.prefault(
      z.strictObject({
        enabled: z._default(z.boolean({ error: (issue) => `expected true or false, got ${quoted(issue.input)}` }), false),
        /** Empty: every finding is imported in the deployment's own region (Security Hub's aggregation region). */
        regions: z._default(noRepeats(knownRegion, (region) => region), []),
      }),
      {},
    ),
    /** Who may hold power over the clusters' Kubernetes API, and which identity providers may vouch for users. */
    access: z.prefault(
      z.strictObject({
        admins: z._default(noRepeats(admin, (pattern) => pattern), []),
        identityProviders: z._default(noRepeats(issuer, (url) => url.replace(/\/$/, "")), []),
        creatorAdminMaxDays: z._default(wholeNumber(0, 3650), 7),
      }),
      {},
    ),
    alertEmails: z._default(z.array(z.email({ error: (issue) => `${quoted(issue.input)} is not an email address` })), []),
  })
  // The one check across sections; it runs whenever both sections parsed, whatever else is wrong.
  .check(
    z.refine((policy) => policy.remediation.action !== "restrict-to-allowlist" || policy.endpoint.allowedPublicCidrs.length > 0, {
      path: ["remediation", "action"],
      message: "restrict-to-allowlist needs at least one CIDR in endpoint.allowedPublicCidrs",
      when: (payload) => {
        const value = payload.value as { remediation?: unknown; endpoint?: { allowedPublicCidrs?: unknown } } | null;
        const sectionsParsed = typeof value?.remediation === "object" && Array.isArray(value.endpoint?.allowedPublicCidrs);
        return sectionsParsed && !payload.issues.some((issue) => issue.path?.[0] === "remediation" || issue.path?.[0] === "endpoint");
      },
    }),
  );

/** The policy as written (every field optional), for callers that build one in code. */
export type PolicyInput = z.input<typeof policySchema>;

/** Validates a policy and fills in the defaults. `undefined` is the default policy. Throws PolicyError. */
export function parsePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input === undefined ? {} : input);
  if (!result.success) throw new PolicyError("invalid policy", issuesFromZod(result.error));
  return result.data;
}

/** The policy with every default: remediation off, no allowlist, this region only. */
export function defaultPolicy(): Policy {
  return parsePolicy({});
}
