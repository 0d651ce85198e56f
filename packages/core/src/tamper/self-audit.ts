// The daily self-audit (issue 22, item 5; docs/threat-model.md path 9): the live state of the monitor's plumbing
// compared with what the stack deployed. The intent is what the stack (or the local system) says it built, handed to
// the tamper function in its environment; the observation is what the AWS APIs answer today (self-audit-collect.ts).
// Every check gives a result: as deployed, a deviation (resource, expected, found), or, where the place it runs
// cannot answer (the local emulators), "not checked" with the reason. A read that failed is a deviation of its own:
// an unknown state is never "as deployed". Pure.

import { safeText } from "../text.ts";

/** A part of the intent: what to expect, or why it is not checked here (e.g. no emulator answers the API locally). */
export type Checked<T> = { readonly expect: T } | { readonly notChecked: string };

/** An EventBridge rule of the stack: its name, and its bus when not the default one (the organisation's central bus). */
export interface RuleIntent {
  readonly name: string;
  readonly bus?: string;
}

/** A statement of a topic's policy as deployed, without its resources and conditions (they carry long ARN lists). */
export interface StatementIntent {
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  /** The principals, flattened to `<type>:<value>` (`AWS:*`, `Service:cloudwatch.amazonaws.com`), sorted. */
  readonly principals: readonly string[];
  /** The actions, sorted. */
  readonly actions: readonly string[];
}

export interface SubscriptionIntent {
  readonly protocol: string;
  readonly endpoint: string;
}

export interface TopicIntent {
  /** alerts or health. */
  readonly name: string;
  readonly arn: string;
  /** The topic's KMS key as the stack set it (KmsMasterKeyId). */
  readonly key: Checked<string>;
  readonly policy: Checked<readonly StatementIntent[]>;
  /** Every subscription of the topic, none else, each without a filter policy. */
  readonly subscriptions: readonly SubscriptionIntent[];
}

/** What the stack deployed, as the tamper function is told it (FUNCTION_ENV.selfAudit, JSON). */
export interface PlumbingIntent {
  /** The one rule (or schedule) whose events are the heartbeat: an invocation naming anything else is refused. */
  readonly heartbeatArn: string;
  /** Enabled: every rule of the stack (the event rules, the heartbeat, the tamper rules). */
  readonly rules: Checked<readonly RuleIntent[]>;
  /** Enabled: the SQS event source mappings feeding the functions (by UUID). */
  readonly eventSourceMappings: Checked<readonly string[]>;
  /** Enabled: the EventBridge Scheduler schedules (sweep, digest), in the default group. */
  readonly schedules: Checked<readonly string[]>;
  readonly topics: readonly TopicIntent[];
  /** Enabled, not pending deletion: the topics' keys (ARN or id). */
  readonly keys: Checked<readonly string[]>;
  /** A trail logging management write events in this region. */
  readonly trail: Checked<{ readonly region: string }>;
}

/** One thing not as deployed: which resource, what the stack deployed, what is there now. */
export interface Deviation {
  readonly resource: string;
  readonly expected: string;
  readonly found: string;
}

/** A read's outcome: its value, or why it failed. */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface ObservedSubscription {
  readonly arn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** Unread for a subscription pending confirmation (it has no attributes yet). */
  readonly attributes?: Read<Readonly<Record<string, string>>>;
}

export interface ObservedTopic {
  readonly attributes: Read<Readonly<Record<string, string>>>;
  readonly subscriptions: Read<readonly ObservedSubscription[]>;
}

/** A basic or advanced event selector, as GetEventSelectors answers (only the fields the check reads). */
export interface TrailSelectors {
  readonly basic: readonly { readonly readWriteType?: string; readonly includeManagementEvents?: boolean; readonly excludeManagementEventSources?: readonly string[] }[];
  readonly advanced: readonly { readonly fieldSelectors: readonly { readonly field: string; readonly equals?: readonly string[]; readonly notEquals?: readonly string[] }[] }[];
}

export interface ObservedTrail {
  readonly arn: string;
  readonly logging: Read<boolean>;
  readonly selectors: Read<TrailSelectors>;
}

/** What the AWS APIs answered, keyed as the intent names each resource. */
export interface ObservedPlumbing {
  /** By rule name (and bus): DescribeRule's State. */
  readonly rules: ReadonlyMap<string, Read<string>>;
  /** By UUID: GetEventSourceMapping's State. */
  readonly eventSourceMappings: ReadonlyMap<string, Read<string>>;
  /** By name: GetSchedule's State. */
  readonly schedules: ReadonlyMap<string, Read<string>>;
  /** By topic ARN. */
  readonly topics: ReadonlyMap<string, ObservedTopic>;
  /** By key (as the intent names it): DescribeKey's KeyState, and its deletion date when pending deletion. */
  readonly keys: ReadonlyMap<string, Read<{ readonly state: string; readonly deletionDate?: string }>>;
  /** The trails that apply to the region (DescribeTrails), each with its status and selectors. */
  readonly trails?: Read<readonly ObservedTrail[]>;
}

export interface AuditResult {
  /** How many checks were made (each resource's state, each topic's policy, key and subscriptions, the trail). */
  readonly checks: number;
  readonly deviations: readonly Deviation[];
  /** What was not checked here, and why (e.g. "EventBridge rules: no emulator answers DescribeRule locally"). */
  readonly notChecked: readonly string[];
}

/** The key of a rule in ObservedPlumbing.rules. */
export function ruleKey(rule: RuleIntent): string {
  return rule.bus ? `${rule.bus}/${rule.name}` : rule.name;
}

const ENABLED_RULE_STATES = new Set(["ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"]);

/** Flattens a policy statement's principal to sorted `<type>:<value>` strings ("*" is `AWS:*`, as IAM reads it). */
export function principalsOf(principal: unknown): string[] {
  if (principal === "*") return ["AWS:*"];
  if (typeof principal !== "object" || principal === null) return [];
  return Object.entries(principal as Record<string, unknown>)
    .flatMap(([type, values]) => [values].flat().map((value) => `${type}:${String(value)}`))
    .sort();
}

function strings(value: unknown): string[] {
  return [value]
    .flat()
    .filter((item): item is string => typeof item === "string")
    .sort();
}

/** A policy document's statements in the intent's shape; throws when the text is no policy. */
export function statementsOf(policy: string): StatementIntent[] {
  const document = JSON.parse(policy) as { Statement?: unknown };
  const statements = [document.Statement ?? []].flat() as Record<string, unknown>[];
  // Actions compared case-insensitively: SNS stores them as "SNS:Publish" or "sns:Publish".
  return statements.map((statement) => ({
    sid: typeof statement["Sid"] === "string" ? statement["Sid"] : "(no Sid)",
    effect: statement["Effect"] === "Deny" ? "Deny" : "Allow",
    principals: principalsOf(statement["Principal"]),
    actions: strings(statement["Action"]).map((action) => action.toLowerCase()),
  }));
}

function describeStatement(statement: StatementIntent): string {
  return `${statement.effect} ${statement.actions.join(",")} to ${statement.principals.join(",") || "(no principal)"}`;
}

/** Whether a trail's selectors log the management write events EKS changes are (eks.amazonaws.com not excluded). */
export function logsManagementWrites(selectors: TrailSelectors): boolean {
  const basic = selectors.basic.some(
    (selector) =>
      selector.includeManagementEvents !== false &&
      (selector.readWriteType ?? "All") !== "ReadOnly" &&
      !(selector.excludeManagementEventSources ?? []).includes("eks.amazonaws.com"),
  );
  const advanced = selectors.advanced.some((selector) => {
    const field = (name: string) => selector.fieldSelectors.find((candidate) => candidate.field === name);
    const category = field("eventCategory");
    if (!category?.equals?.includes("Management")) return false;
    const readOnly = field("readOnly");
    if (readOnly?.equals?.includes("true") && !readOnly.equals.includes("false")) return false;
    const source = field("eventSource");
    if (source?.notEquals?.includes("eks.amazonaws.com")) return false;
    if (source?.equals && !source.equals.includes("eks.amazonaws.com")) return false;
    return true;
  });
  return basic || advanced;
}

/** The comparison: every resource of the intent against what was read. */
export function auditPlumbing(intent: PlumbingIntent, observed: ObservedPlumbing): AuditResult {
  const deviations: Deviation[] = [];
  const notChecked: string[] = [];
  let checks = 0;
  const check = (resource: string, expected: string, found: Read<string> | undefined, ok: (value: string) => boolean): void => {
    checks += 1;
    if (!found) deviations.push({ resource, expected, found: "not read (the self-audit did not reach it)" });
    else if (!found.ok) deviations.push({ resource, expected, found: `could not read it: ${found.reason}` });
    else if (!ok(found.value)) deviations.push({ resource, expected, found: found.value });
  };
  const each = <T>(what: string, part: Checked<readonly T[]>, visit: (item: T) => void): void => {
    if ("notChecked" in part) notChecked.push(`${what}: ${part.notChecked}`);
    else part.expect.forEach(visit);
  };

  each("EventBridge rules", intent.rules, (rule) => check(`EventBridge rule ${ruleKey(rule)}`, "ENABLED", observed.rules.get(ruleKey(rule)), (state) => ENABLED_RULE_STATES.has(state)));
  each("Lambda event source mappings", intent.eventSourceMappings, (uuid) => check(`Lambda event source mapping ${uuid}`, "Enabled", observed.eventSourceMappings.get(uuid), (state) => state === "Enabled"));
  each("EventBridge Scheduler schedules", intent.schedules, (name) => check(`schedule ${name}`, "ENABLED", observed.schedules.get(name), (state) => state === "ENABLED"));
  each("KMS keys", intent.keys, (key) => {
    const read = observed.keys.get(key);
    const found: Read<string> | undefined = read && (read.ok ? { ok: true, value: read.value.deletionDate ? `${read.value.state} (deletion on ${read.value.deletionDate})` : read.value.state } : read);
    check(`KMS key ${key}`, "Enabled", found, (state) => state === "Enabled");
  });
  for (const topic of intent.topics) auditTopic(topic, observed.topics.get(topic.arn), { check, deviations, notChecked, count: () => (checks += 1) });
  if ("notChecked" in intent.trail) notChecked.push(`CloudTrail: ${intent.trail.notChecked}`);
  else {
    checks += 1;
    const trail = auditTrail(intent.trail.expect.region, observed.trails);
    if (trail) deviations.push(trail);
  }
  return { checks, deviations, notChecked };
}

interface Checker {
  check(resource: string, expected: string, found: Read<string> | undefined, ok: (value: string) => boolean): void;
  readonly deviations: Deviation[];
  readonly notChecked: string[];
  count(): void;
}

function auditTopic(topic: TopicIntent, observed: ObservedTopic | undefined, checker: Checker): void {
  const { check, deviations, notChecked, count } = checker;
  const resource = `SNS topic ${topic.name} (${topic.arn})`;
  const attributes = observed?.attributes;
  const attribute = (name: string): Read<string> | undefined => attributes && (attributes.ok ? { ok: true, value: attributes.value[name] ?? "(none)" } : attributes);
  const key = topic.key;
  if ("notChecked" in key) notChecked.push(`${topic.name} topic's key: ${key.notChecked}`);
  else check(`${resource}: encryption key`, key.expect, attribute("KmsMasterKeyId"), (found) => found === key.expect);

  const policy = topic.policy;
  if ("notChecked" in policy) notChecked.push(`${topic.name} topic's policy: ${policy.notChecked}`);
  else {
    count();
    const found = attribute("Policy");
    if (!found) deviations.push({ resource: `${resource}: policy`, expected: "the deployed policy", found: "not read (the self-audit did not reach it)" });
    else if (!found.ok) deviations.push({ resource: `${resource}: policy`, expected: "the deployed policy", found: `could not read it: ${found.reason}` });
    else deviations.push(...policyDeviations(`${resource}: policy`, policy.expect, found.value));
  }

  count();
  const subscriptions = observed?.subscriptions;
  if (!subscriptions || !subscriptions.ok) {
    deviations.push({ resource: `${resource}: subscriptions`, expected: describeSubscriptions(topic.subscriptions), found: subscriptions ? `could not read them: ${subscriptions.reason}` : "not read (the self-audit did not reach them)" });
    return;
  }
  const found = subscriptions.value;
  for (const wanted of topic.subscriptions) {
    const matching = found.filter((candidate) => candidate.protocol === wanted.protocol && candidate.endpoint === wanted.endpoint);
    if (matching.length === 0) deviations.push({ resource: `${resource}: subscription ${wanted.protocol} ${wanted.endpoint}`, expected: "subscribed", found: "no such subscription" });
    else if (matching.every((candidate) => candidate.arn === "PendingConfirmation")) {
      deviations.push({ resource: `${resource}: subscription ${wanted.protocol} ${wanted.endpoint}`, expected: "confirmed", found: "pending confirmation: nothing is delivered to it" });
    }
  }
  for (const subscription of found) {
    const expected = topic.subscriptions.some((wanted) => wanted.protocol === subscription.protocol && wanted.endpoint === subscription.endpoint);
    const name = `${resource}: subscription ${subscription.protocol} ${subscription.endpoint}`;
    if (!expected) deviations.push({ resource: name, expected: "no such subscription (the stack deployed none)", found: `subscribed (${subscription.arn})` });
    if (subscription.arn === "PendingConfirmation") continue;
    const read = subscription.attributes;
    const filter: Read<string> | undefined = read && (read.ok ? { ok: true, value: read.value["FilterPolicy"] ?? "" } : read);
    check(`${name}: filter policy`, "no filter policy (every notice delivered)", filter && (filter.ok && filter.value !== "" ? { ok: true, value: `filter policy ${filter.value}` } : filter), (value) => value === "");
  }
}

function describeSubscriptions(subscriptions: readonly SubscriptionIntent[]): string {
  return subscriptions.length === 0 ? "none" : subscriptions.map((subscription) => `${subscription.protocol} ${subscription.endpoint}`).join(", ");
}

function policyDeviations(resource: string, expected: readonly StatementIntent[], policy: string): Deviation[] {
  if (policy === "(none)") return [{ resource, expected: `${expected.length} statement(s): ${expected.map((statement) => statement.sid).join(", ")}`, found: "no policy" }];
  let live: StatementIntent[];
  try {
    live = statementsOf(policy);
  } catch (error) {
    return [{ resource, expected: "the deployed policy", found: `a policy that is not JSON (${error instanceof Error ? error.message : String(error)})` }];
  }
  const deviations: Deviation[] = [];
  const same = (a: StatementIntent, b: StatementIntent): boolean =>
    a.effect === b.effect && a.principals.join() === b.principals.join() && a.actions.map((action) => action.toLowerCase()).sort().join() === b.actions.map((action) => action.toLowerCase()).sort().join();
  for (const wanted of expected) {
    const found = live.find((statement) => statement.sid === wanted.sid);
    if (!found) deviations.push({ resource: `${resource}, statement ${wanted.sid}`, expected: describeStatement(wanted), found: "no such statement" });
    else if (!same(wanted, found)) deviations.push({ resource: `${resource}, statement ${wanted.sid}`, expected: describeStatement(wanted), found: describeStatement(found) });
  }
  for (const statement of live) {
    if (!expected.some((wanted) => wanted.sid === statement.sid)) deviations.push({ resource: `${resource}, statement ${statement.sid}`, expected: "no such statement (the stack deployed none)", found: describeStatement(statement) });
  }
  return deviations;
}

function auditTrail(region: string, trails: Read<readonly ObservedTrail[]> | undefined): Deviation | undefined {
  const resource = `CloudTrail in ${region}`;
  const expected = "a trail logging management write events (eks.amazonaws.com included)";
  if (!trails) return { resource, expected, found: "not read (the self-audit did not reach it)" };
  if (!trails.ok) return { resource, expected, found: `could not read the trails: ${trails.reason}` };
  const logging = trails.value.filter((trail) => trail.logging.ok && trail.logging.value && trail.selectors.ok && logsManagementWrites(trail.selectors.value));
  if (logging.length > 0) return undefined;
  if (trails.value.length === 0) return { resource, expected, found: "no trail applies to the region" };
  const states = trails.value.map((trail) => {
    if (!trail.logging.ok) return `${trail.arn}: could not read its status: ${trail.logging.reason}`;
    if (!trail.logging.value) return `${trail.arn}: stopped (not logging)`;
    if (!trail.selectors.ok) return `${trail.arn}: could not read its event selectors: ${trail.selectors.reason}`;
    return `${trail.arn}: logging, but not management write events of EKS`;
  });
  return { resource, expected, found: states.join("; ") };
}

/** The intent could not be read: what is wrong with it, where. */
export class PlumbingIntentError extends Error {
  override readonly name = "PlumbingIntentError";
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PlumbingIntentError(`${where}: expected an object`);
  return value as Json;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") throw new PlumbingIntentError(`${where}: expected a non-empty string`);
  return value;
}

function list<T>(value: unknown, where: string, item: (entry: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) throw new PlumbingIntentError(`${where}: expected an array`);
  return value.map((entry, index) => item(entry, `${where}[${index}]`));
}

function checked<T>(value: unknown, where: string, expect: (entry: unknown, where: string) => T): Checked<T> {
  const part = object(value, where);
  if ("notChecked" in part) return { notChecked: text(part["notChecked"], `${where}.notChecked`) };
  if (!("expect" in part)) throw new PlumbingIntentError(`${where}: expected "expect" or "notChecked"`);
  return { expect: expect(part["expect"], `${where}.expect`) };
}

/** The intent the stack wrote into FUNCTION_ENV.selfAudit; a clear error naming the field when it is not one. */
export function parsePlumbingIntent(json: string): PlumbingIntent {
  let root: Json;
  try {
    root = object(JSON.parse(json), "self-audit intent");
  } catch (error) {
    if (error instanceof PlumbingIntentError) throw error;
    throw new PlumbingIntentError(`self-audit intent: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const rule = (entry: unknown, where: string): RuleIntent => {
    const fields = object(entry, where);
    return { name: text(fields["name"], `${where}.name`), ...(fields["bus"] !== undefined && { bus: text(fields["bus"], `${where}.bus`) }) };
  };
  const statement = (entry: unknown, where: string): StatementIntent => {
    const fields = object(entry, where);
    const effect = fields["effect"];
    if (effect !== "Allow" && effect !== "Deny") throw new PlumbingIntentError(`${where}.effect: expected "Allow" or "Deny"`);
    return { sid: text(fields["sid"], `${where}.sid`), effect, principals: list(fields["principals"], `${where}.principals`, text).sort(), actions: list(fields["actions"], `${where}.actions`, text).sort() };
  };
  const topic = (entry: unknown, where: string): TopicIntent => {
    const fields = object(entry, where);
    return {
      name: text(fields["name"], `${where}.name`),
      arn: text(fields["arn"], `${where}.arn`),
      key: checked(fields["key"], `${where}.key`, text),
      policy: checked(fields["policy"], `${where}.policy`, (value, at) => list(value, at, statement)),
      subscriptions: list(fields["subscriptions"], `${where}.subscriptions`, (value, at) => {
        const subscription = object(value, at);
        return { protocol: text(subscription["protocol"], `${at}.protocol`), endpoint: text(subscription["endpoint"], `${at}.endpoint`) };
      }),
    };
  };
  return {
    heartbeatArn: text(root["heartbeatArn"], "self-audit intent.heartbeatArn"),
    rules: checked(root["rules"], "self-audit intent.rules", (value, at) => list(value, at, rule)),
    eventSourceMappings: checked(root["eventSourceMappings"], "self-audit intent.eventSourceMappings", (value, at) => list(value, at, text)),
    schedules: checked(root["schedules"], "self-audit intent.schedules", (value, at) => list(value, at, text)),
    topics: list(root["topics"], "self-audit intent.topics", topic),
    keys: checked(root["keys"], "self-audit intent.keys", (value, at) => list(value, at, text)),
    trail: checked(root["trail"], "self-audit intent.trail", (value, at) => ({ region: text(object(value, at)["region"], `${at}.region`) })),
  };
}

/**
 * Whether an invocation is the stack's own heartbeat: a scheduled event (only AWS emits source aws.events or
 * aws.scheduler) naming exactly the heartbeat's rule. Anyone allowed to invoke the function can shape any event, so
 * this keeps stray and forged scheduled events out; one that names the rule runs a real audit, which tells the truth.
 */
export function isOwnHeartbeat(event: unknown, heartbeatArn: string): boolean {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return false;
  const envelope = event as Json;
  const resources = envelope["resources"];
  return (
    (envelope["source"] === "aws.events" || envelope["source"] === "aws.scheduler") &&
    envelope["detail-type"] === "Scheduled Event" &&
    Array.isArray(resources) &&
    resources.length === 1 &&
    resources[0] === heartbeatArn
  );
}

/** What the log says of a refused scheduled event: its id, source and resources, bounded (the invoker chose them). */
export function refusedHeartbeatSummary(event: unknown): { readonly id: string; readonly source: string; readonly resources: readonly string[] } {
  const envelope = typeof event === "object" && event !== null && !Array.isArray(event) ? (event as Json) : {};
  const resources = Array.isArray(envelope["resources"]) ? envelope["resources"].slice(0, 5).map((resource) => safeText(resource, 256) ?? "(not text)") : [];
  return { id: safeText(envelope["id"], 64) ?? "(none)", source: safeText(envelope["source"], 64) ?? "(none)", resources };
}
