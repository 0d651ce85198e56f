// The deployment configuration: warden.config.json at the repository root (see warden.config.example.json), or the
// defaults when there is none. Read at synth; the policy part is validated with the same parsePolicy the functions
// run at cold start, so a mistake stops the deployment with the field that is wrong.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { REGION, ValidationError, parsePolicy, policySchema, regionProblem } from "@eks-warden/core";
import type { Policy } from "@eks-warden/core";
import { z } from "@eks-warden/core/zod";
import { DEFAULT_HISTORY_RETENTION_DAYS } from "@eks-warden/core/deployment";

export const CONFIG_FILE = "warden.config.json";

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** An SST stage name: a letter, then letters, digits or -. */
export const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const KNOWN_KEYS = ["$schema", "_what", "region", "logRetentionDays", "historyRetentionDays", "ephemeralStages", "healthEmails", "organization", "policy", "account"] as const;

/** An AWS Organizations id (o- and 10 to 32 lowercase letters or digits). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** DynamoDB TTL of a cluster's history: at least a day, at most ten years. */
const HISTORY_RETENTION_RANGE = { min: 1, max: 3653 } as const;

/** The same check as policy.alertEmails (packages/core/src/policy.ts). */
const EMAIL = z.email();

export interface DeploymentConfig {
  /** Where it came from: the file's path, or "defaults". */
  readonly source: string;
  /** Default deployment region (`sst deploy --region` overrides it). */
  readonly region: string;
  /** The account `sst deploy` / `sst remove` must act on: the credentials' account is checked against it first. */
  readonly account?: string;
  readonly logRetentionDays: LogRetentionDays;
  /** Days a cluster's history is kept (DynamoDB TTL), handed to the functions as HISTORY_RETENTION_DAYS. */
  readonly historyRetentionDays: number;
  /**
   * The only stages `sst remove` may destroy: their table, keys and logs are deleted with the stack. Every other
   * stage retains them and deletion-protects the table.
   */
  readonly ephemeralStages: readonly string[];
  /** E-mail subscriptions of the health topic (tamper alerts, health alarms, heartbeat); default policy.alertEmails. */
  readonly healthEmails: readonly string[];
  /**
   * One deployment for an AWS Organization: the central event bus accepts events from the organisation's accounts
   * only (aws:PrincipalOrgID), and the forwarder StackSet covers `forwarderRegions` in every member account. Absent:
   * a single-account deployment, as before.
   */
  readonly organization?: OrganizationConfig;
  readonly policy: Policy;
}

export interface OrganizationConfig {
  /** The organisation whose accounts may put events on the central bus. */
  readonly id: string;
  /** The regions the forwarder StackSet is deployed to (besides the central stack's own region, covered by itself). */
  readonly forwarderRegions: readonly string[];
}

export const DEFAULT_REGION = "us-east-1";
export const DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = 90;
export { DEFAULT_HISTORY_RETENTION_DAYS } from "@eks-warden/core/deployment";
export const DEFAULT_EPHEMERAL_STAGES: readonly string[] = [];

/** Whether a stage keeps its state (table, keys, logs) when the stack is removed: all but the ephemeral ones. */
export function keepsState(config: Pick<DeploymentConfig, "ephemeralStages">, stage: string): boolean {
  return !config.ephemeralStages.includes(stage);
}

/**
 * Whether a document is written as a deployment file rather than as a bare policy (both are accepted where a policy
 * is read, e.g. `eks-warden scan --policy`): it has a `policy` member, or deployment settings and no policy field.
 */
export function isDeploymentConfigDocument(document: unknown): boolean {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return false;
  const keys = Object.keys(document);
  if (keys.includes("policy")) return true;
  const policyKeys = Object.keys(policySchema.shape);
  return keys.some((key) => (KNOWN_KEYS as readonly string[]).includes(key) && !key.startsWith("$") && !key.startsWith("_")) && !keys.some((key) => policyKeys.includes(key));
}

/** Validates a parsed configuration document; `source` names it in errors. Throws ValidationError (PolicyError for the policy). */
export function parseDeploymentConfig(document: unknown, source: string): DeploymentConfig {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ValidationError(`${source}: invalid deployment configuration`, [{ path: "", message: "expected a JSON object" }]);
  }
  const input = document as Record<string, unknown>;
  const issues: { path: string; message: string }[] = [];
  for (const key of Object.keys(input)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key) && key !== "protectedStages") issues.push({ path: key, message: `unknown setting; expected one of ${KNOWN_KEYS.filter((k) => !k.startsWith("$") && !k.startsWith("_")).join(", ")}` });
  }
  const region = input["region"] ?? DEFAULT_REGION;
  if (typeof region !== "string" || !REGION.test(region)) issues.push({ path: "region", message: `expected an AWS region such as "eu-west-1", got ${JSON.stringify(region)}` });
  else {
    // Shaped like a region: it must also be one AWS has (a typo such as eu-wst-1 would deploy where no cluster is).
    const problem = regionProblem(region);
    if (problem) issues.push({ path: "region", message: problem });
  }
  const account = input["account"];
  if (account !== undefined && (typeof account !== "string" || !/^\d{12}$/.test(account))) issues.push({ path: "account", message: `expected a 12-digit AWS account id, got ${JSON.stringify(account)}` });
  const retention = input["logRetentionDays"] ?? DEFAULT_LOG_RETENTION_DAYS;
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(retention)) {
    issues.push({ path: "logRetentionDays", message: `expected one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")}), got ${JSON.stringify(retention)}` });
  }
  // Refused rather than ignored: it used to list the stages that keep their state, so a file naming it was written
  // for the opposite default. Now every stage keeps its state; a silently ignored key would leave its author
  // believing the list still means something.
  if ("protectedStages" in input) {
    issues.push({ path: "protectedStages", message: 'no longer read: every stage now retains and deletion-protects its state; remove this key and list the stages that "sst remove" may destroy in "ephemeralStages" (default [])' });
  }
  const history = input["historyRetentionDays"] ?? DEFAULT_HISTORY_RETENTION_DAYS;
  if (typeof history !== "number" || !Number.isInteger(history) || history < HISTORY_RETENTION_RANGE.min || history > HISTORY_RETENTION_RANGE.max) {
    issues.push({ path: "historyRetentionDays", message: `expected whole days from ${HISTORY_RETENTION_RANGE.min} to ${HISTORY_RETENTION_RANGE.max}, got ${JSON.stringify(history)}` });
  }
  const ephemeralStages = input["ephemeralStages"] ?? DEFAULT_EPHEMERAL_STAGES;
  if (!Array.isArray(ephemeralStages) || !ephemeralStages.every((stage) => typeof stage === "string" && STAGE_NAME.test(stage))) {
    issues.push({ path: "ephemeralStages", message: `expected a list of stage names (a letter, then letters, digits or -), got ${JSON.stringify(ephemeralStages)}` });
  }
  const healthEmails = input["healthEmails"];
  if (healthEmails !== undefined) {
    if (!Array.isArray(healthEmails)) issues.push({ path: "healthEmails", message: `expected a list of e-mail addresses, got ${JSON.stringify(healthEmails)}` });
    else {
      for (const [index, email] of healthEmails.entries()) {
        if (!EMAIL.safeParse(email).success) issues.push({ path: `healthEmails[${index}]`, message: `${JSON.stringify(email)} is not an email address` });
      }
    }
  }
  let organization: OrganizationConfig | undefined;
  const orgInput = input["organization"];
  if (orgInput !== undefined) {
    if (typeof orgInput !== "object" || orgInput === null || Array.isArray(orgInput)) issues.push({ path: "organization", message: "expected { id, forwarderRegions }" });
    else {
      const { id, forwarderRegions = [], ...rest } = orgInput as Record<string, unknown>;
      for (const key of Object.keys(rest)) issues.push({ path: `organization.${key}`, message: "unknown setting; expected id, forwarderRegions" });
      if (typeof id !== "string" || !ORGANIZATION_ID.test(id)) issues.push({ path: "organization.id", message: `expected an AWS Organizations id such as "o-a1b2c3d4e5", got ${JSON.stringify(id)}` });
      if (!Array.isArray(forwarderRegions) || !forwarderRegions.every((r) => typeof r === "string" && REGION.test(r))) {
        issues.push({ path: "organization.forwarderRegions", message: `expected a list of AWS regions such as "eu-west-1", got ${JSON.stringify(forwarderRegions)}` });
      } else {
        for (const problem of (forwarderRegions as string[]).map(regionProblem)) if (problem) issues.push({ path: "organization.forwarderRegions", message: problem });
        // Any issue throws below, so the organization is only ever used when every region is one AWS has.
        if (typeof id === "string") organization = { id, forwarderRegions: [...new Set(forwarderRegions as string[])] };
      }
    }
  }
  // The policy's problems are reported with the other settings' ones: every mistake of the file in one try.
  let policy: Policy | undefined;
  let policyError: ValidationError | undefined;
  try {
    policy = parsePolicy(input["policy"]);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    policyError = error;
  }
  const policyIssues = (policyError?.issues ?? []).map((issue) => ({ path: issue.path ? `policy.${issue.path}` : "policy", message: issue.message }));
  if (issues.length > 0) throw new ValidationError(`${source}: invalid deployment configuration`, [...issues, ...policyIssues], { cause: policyError });
  if (policy === undefined) throw new ValidationError(`${source}: invalid policy`, policyIssues, { cause: policyError });
  return {
    source,
    region: region as string,
    ...(typeof account === "string" && { account }),
    logRetentionDays: retention as LogRetentionDays,
    historyRetentionDays: history as number,
    ephemeralStages: ephemeralStages as string[],
    healthEmails: (healthEmails as string[] | undefined) ?? policy.alertEmails,
    ...(organization && { organization }),
    policy,
  };
}

/** Names another configuration file than warden.config.json, e.g. one per environment: WARDEN_CONFIG=prod.json npx sst deploy. */
export const CONFIG_PATH_VARIABLE = "WARDEN_CONFIG";

/**
 * The file WARDEN_CONFIG names (relative to `root`; it must exist), else warden.config.json in `root` if present,
 * else the defaults (remediation off, no e-mail subscriptions).
 */
export function loadDeploymentConfig(root: string, env: NodeJS.ProcessEnv = process.env): DeploymentConfig {
  const chosen = env[CONFIG_PATH_VARIABLE];
  const path = chosen ? resolve(root, chosen) : join(root, CONFIG_FILE);
  if (!existsSync(path)) {
    if (chosen) throw new ValidationError(`${CONFIG_PATH_VARIABLE}=${chosen}: invalid deployment configuration`, [{ path: "", message: `no such file: ${path}` }]);
    return parseDeploymentConfig({}, "defaults");
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ValidationError(`${path}: invalid deployment configuration`, [{ path: "", message: `expected JSON (${(cause as Error).message})` }], { cause });
  }
  return parseDeploymentConfig(document, path);
}

/**
 * The regions of policy.regions that no real-time path covers: neither the central stack's region nor a forwarder
 * region. Only an organisation deployment is held to it (a single-account deployment reads other regions on the
 * daily sweep alone, as documented).
 */
export function uncoveredRegions(config: Pick<DeploymentConfig, "organization" | "policy">, centralRegion: string): string[] {
  if (!config.organization) return [];
  const covered = new Set([centralRegion, ...config.organization.forwarderRegions]);
  return config.policy.regions.filter((region) => !covered.has(region));
}
