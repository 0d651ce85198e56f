// Reads the live state of what the self-audit checks (self-audit.ts), through one port per AWS service (the adapters
// in aws/ implement them). Only what the intent expects is read; every read is caught and kept as its reason, so a
// refused or failed call becomes a deviation of its own and the audit always completes.

import { safeText } from "../text.ts";
import { ruleKey, type ObservedPlumbing, type ObservedSubscription, type ObservedTopic, type ObservedTrail, type PlumbingIntent, type Read, type TrailSelectors } from "./self-audit.ts";

export interface RuleStates {
  /** DescribeRule's State (ENABLED, DISABLED, ...). */
  state(name: string, bus?: string): Promise<string>;
}
export interface EventSourceMappingStates {
  /** GetEventSourceMapping's State (Enabled, Disabled, ...). */
  state(uuid: string): Promise<string>;
}
export interface ScheduleStates {
  /** GetSchedule's State (ENABLED, DISABLED). */
  state(name: string): Promise<string>;
}
export interface KeyStates {
  /** DescribeKey's KeyState, and the deletion date when one is scheduled. */
  describe(key: string): Promise<{ readonly state: string; readonly deletionDate?: string }>;
}
export interface TopicReader {
  attributes(topicArn: string): Promise<Readonly<Record<string, string>>>;
  subscriptions(topicArn: string): Promise<readonly { readonly arn: string; readonly protocol: string; readonly endpoint: string }[]>;
  subscriptionAttributes(subscriptionArn: string): Promise<Readonly<Record<string, string>>>;
}
export interface TrailReader {
  /** The ARNs of the trails that apply to the region the reader works in (its own and multi-region ones). */
  trails(): Promise<readonly string[]>;
  logging(trailArn: string): Promise<boolean>;
  selectors(trailArn: string): Promise<TrailSelectors>;
}

/** The ports, one per service; a part the intent does not check may be left out. */
export interface PlumbingReaders {
  readonly rules?: RuleStates;
  readonly eventSourceMappings?: EventSourceMappingStates;
  readonly schedules?: ScheduleStates;
  readonly keys?: KeyStates;
  readonly topics: TopicReader;
  readonly trails?: TrailReader;
}

const REASON_MAX = 300;

async function read<T>(reading: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await reading() };
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: safeText(`${name}: ${message}`, REASON_MAX) ?? name };
  }
}

function missing(port: string): () => Promise<never> {
  return () => Promise.reject(new Error(`no ${port} reader was given, though the intent expects it`));
}

async function readEach<K, T>(keys: readonly K[], keyOf: (key: K) => string, reading: (key: K) => Promise<T>): Promise<Map<string, Read<T>>> {
  return new Map(await Promise.all(keys.map(async (key) => [keyOf(key), await read(() => reading(key))] as const)));
}

async function readTopic(topicArn: string, reader: TopicReader): Promise<ObservedTopic> {
  const [attributes, listed] = await Promise.all([read(() => reader.attributes(topicArn)), read(() => reader.subscriptions(topicArn))]);
  if (!listed.ok) return { attributes, subscriptions: listed };
  const subscriptions = await Promise.all(
    listed.value.map(async (subscription): Promise<ObservedSubscription> =>
      subscription.arn === "PendingConfirmation" ? subscription : { ...subscription, attributes: await read(() => reader.subscriptionAttributes(subscription.arn)) },
    ),
  );
  return { attributes, subscriptions: { ok: true, value: subscriptions } };
}

async function readTrails(reader: TrailReader): Promise<Read<readonly ObservedTrail[]>> {
  const arns = await read(() => reader.trails());
  if (!arns.ok) return arns;
  const trails = await Promise.all(arns.value.map(async (arn) => ({ arn, logging: await read(() => reader.logging(arn)), selectors: await read(() => reader.selectors(arn)) })));
  return { ok: true, value: trails };
}

/** Reads everything the intent expects, at once. Never throws. */
export async function collectPlumbing(intent: PlumbingIntent, readers: PlumbingReaders): Promise<ObservedPlumbing> {
  const expected = <T>(part: { readonly expect: readonly T[] } | { readonly notChecked: string }): readonly T[] => ("expect" in part ? part.expect : []);
  const [rules, eventSourceMappings, schedules, keys, topics, trails] = await Promise.all([
    readEach(expected(intent.rules), ruleKey, (rule) => (readers.rules?.state.bind(readers.rules) ?? missing("EventBridge rule"))(rule.name, rule.bus)),
    readEach(expected(intent.eventSourceMappings), (uuid) => uuid, (uuid) => (readers.eventSourceMappings?.state.bind(readers.eventSourceMappings) ?? missing("event source mapping"))(uuid)),
    readEach(expected(intent.schedules), (name) => name, (name) => (readers.schedules?.state.bind(readers.schedules) ?? missing("schedule"))(name)),
    readEach(expected(intent.keys), (key) => key, (key) => (readers.keys?.describe.bind(readers.keys) ?? missing("KMS key"))(key)),
    Promise.all(intent.topics.map(async (topic) => [topic.arn, await readTopic(topic.arn, readers.topics)] as const)),
    "expect" in intent.trail ? (readers.trails ? readTrails(readers.trails) : read<readonly ObservedTrail[]>(missing("CloudTrail"))) : Promise.resolve(undefined),
  ]);
  return { rules, eventSourceMappings, schedules, keys, topics: new Map(topics), ...(trails && { trails }) };
}
