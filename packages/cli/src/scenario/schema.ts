// The scenario file: a fleet, a policy, the people who act, and the steps they take. See docs/local.md, "The scenario file".
// A step is an object with exactly one of the step keys (`call`, `advance`, `evaluate`, `digest`, `expect`, `note`): the key
// names the kind, so the file reads like a script. A new kind of step (a sweep, a digest) is one schema in STEP_SCHEMAS.
import { isIP } from "node:net";
import { STATUSES, SEVERITIES, rules, ACCOUNT_ID, closestName, shownValue } from "@eks-warden/core";
import { z } from "@eks-warden/core/zod";
import { EKS_HANDLERS, MUTATING_OPERATIONS } from "@eks-warden/simulator/eks/operations";

const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
export const DURATION_EXPECTATION = 'expected e.g. "90s", "15m", "2h", "1h30m"';

/** "1h30m" -> 5_400_000; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * UNITS_MS[unit as keyof typeof UNITS_MS];
  return Math.round(total);
}

/** 5_400_000 -> "1h30m", for output. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [["d", UNITS_MS.d], ["h", UNITS_MS.h], ["m", UNITS_MS.m], ["s", UNITS_MS.s]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join("");
}

const quoted = (value: unknown): string => shownValue(value, 200);

const duration = z.string({ error: (issue) => `${quoted(issue.input)} is not a duration; ${DURATION_EXPECTATION}` }).transform((text, context) => {
  const ms = parseDuration(text.trim());
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: `${quoted(text)} is not a duration; ${DURATION_EXPECTATION}` });
    return z.NEVER;
  }
  return ms;
});

const ipAddress = z.string().refine((text) => isIP(text) !== 0, { error: (issue) => `${quoted(issue.input)} is not an IPv4 or IPv6 address` });
const region = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, { error: (issue) => `${quoted(issue.input)} is not an AWS region such as "eu-west-1"` });
const identityName = /^[A-Za-z][\w.-]{0,63}$/;

export const EKS_OPERATION_NAMES: readonly string[] = Object.keys(EKS_HANDLERS);

function oneOf(what: string, values: readonly string[]) {
  return z.string().refine((text) => values.includes(text), {
    error: (issue) => {
      const suggestion = typeof issue.input === "string" ? closestName(issue.input, values) : undefined;
      return `${quoted(issue.input)} is not ${what}${suggestion ? `; did you mean ${suggestion}?` : `; expected one of ${values.join(", ")}`}`;
    },
  });
}

const operation = oneOf("an EKS operation the simulator serves", EKS_OPERATION_NAMES);
const ruleIds = rules.map((rule) => rule.id);

export const callStepSchema = z.strictObject({
  /** The EKS operation, as the API names it (UpdateClusterConfig). */
  call: operation,
  /** Who makes the call: a name under `identities`. Default: the simulator's anonymous user of the default account. */
  as: z.string().optional(),
  /** The source IP CloudTrail records; default the identity's. */
  sourceIp: ipAddress.optional(),
  /** Default: the fleet's defaultRegion. */
  region: region.optional(),
  /** The operation's input, as the SDK command takes it (e.g. { name, resourcesVpcConfig }). */
  input: z.record(z.string(), z.unknown()).default({}),
  /** The call is meant to fail with this error (e.g. ResourceInUseException); a success then fails the scenario. */
  expectError: z.string().min(1).optional(),
  /** false: EKS serves the call, but its CloudTrail event never reaches the monitor (a lost event). */
  deliver: z.boolean({ error: "expected true or false (false: the call's CloudTrail event is lost)" }).default(true),
});

export const advanceStepSchema = z.strictObject({ advance: duration });

export const evaluateStepSchema = z.strictObject({
  evaluate: z.literal(true, { error: "expected true (evaluate every cluster now, as the daily sweep does)" }),
});

export const expectStepSchema = z.strictObject({
  expect: z.strictObject({
    cluster: z.string().min(1),
    region: region.optional(),
    account: z.string().regex(ACCOUNT_ID, { error: (issue) => `${quoted(issue.input)} is not a 12-digit AWS account id` }).optional(),
    rule: oneOf("a rule of EKS Warden", ruleIds),
    status: z.enum(STATUSES, { error: (issue) => `${quoted(issue.input)} is not a finding status; expected one of ${STATUSES.join(", ")}` }),
    severity: z.enum(SEVERITIES, { error: (issue) => `${quoted(issue.input)} is not a severity; expected one of ${SEVERITIES.join(", ")}` }).optional(),
  }),
});

export const digestStepSchema = z.strictObject({
  digest: z.literal(true, { error: "expected true (run the weekly digest now, as its schedule does)" }),
});

export const noteStepSchema = z.strictObject({ note: z.string().min(1) });

/** Step kind -> its schema. The order is the order error messages list them in. */
export const STEP_SCHEMAS = {
  call: callStepSchema,
  advance: advanceStepSchema,
  evaluate: evaluateStepSchema,
  digest: digestStepSchema,
  expect: expectStepSchema,
  note: noteStepSchema,
} as const;
export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];

export type CallStep = z.output<typeof callStepSchema>;
export type AdvanceStep = z.output<typeof advanceStepSchema>;
export type EvaluateStep = z.output<typeof evaluateStepSchema>;
export type ExpectStep = z.output<typeof expectStepSchema>;
export type DigestStep = z.output<typeof digestStepSchema>;
export type NoteStep = z.output<typeof noteStepSchema>;

/** A validated step, tagged with its kind and the line it starts on. */
export type Step =
  | ({ readonly kind: "call"; readonly line?: number } & CallStep)
  | ({ readonly kind: "advance"; readonly line?: number } & AdvanceStep)
  | ({ readonly kind: "evaluate"; readonly line?: number } & EvaluateStep)
  | ({ readonly kind: "digest"; readonly line?: number } & DigestStep)
  | ({ readonly kind: "expect"; readonly line?: number } & ExpectStep)
  | ({ readonly kind: "note"; readonly line?: number } & NoteStep);

export const identitySchema = z.strictObject({
  /** The IAM or STS ARN CloudTrail records; its account decides which clusters the calls see. */
  arn: z.string().regex(/^arn:aws[\w-]*:(?:iam|sts)::\d{12}:.+$/, {
    error: (issue) => `${quoted(issue.input)} is not an IAM or STS ARN such as "arn:aws:iam::111111111111:user/alice"`,
  }),
  sourceIp: ipAddress.optional(),
  userAgent: z.string().optional(),
});

/** The file's top level; `steps` are checked one by one (see loader.ts) so each error names its own step. */
export const scenarioSchema = z.strictObject({
  _what: z.string().optional(),
  description: z.string().optional(),
  /** A simulator fleet, or the path of a fleet file relative to the scenario file. */
  fleet: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: "expected a fleet object or the path of a fleet file (relative to the scenario)",
  }),
  /** The deployment policy (as in warden.config.json), or the path of a JSON file holding one. Default: the default policy. */
  policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: "expected a policy object or the path of a policy JSON file" }).optional(),
  identities: z
    .record(
      z.string().regex(identityName, { error: (issue) => `${quoted(issue.input)} is not an identity name (a letter, then letters, digits, . _ -)` }),
      identitySchema,
    )
    .default({}),
  steps: z.array(z.unknown(), { error: "expected an array of steps" }).min(1, { error: "expected at least one step" }),
});

export function isMutating(operationName: string): boolean {
  return MUTATING_OPERATIONS.has(operationName);
}
