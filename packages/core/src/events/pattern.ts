// The EventBridge event pattern of the real-time path, defined ONCE: the stack deploys it (stacks/Warden.ts) and
// the local run routes the simulator's events through it (matchesEventPattern), so what is tested is what runs.

import { ValidationError } from "../errors.ts";
import { HANDLED_CLUSTER_EVENTS } from "./cloudtrail.ts";

/** The EKS API calls the cluster-event function handles: the design's list (docs/design.md, data flow 1). */
export const HANDLED_EVENT_NAMES: readonly string[] = HANDLED_CLUSTER_EVENTS;

/** An EventBridge pattern in the forms this project uses: lists of exact values, and nested objects of them. */
export type EventPatternValue = string | number | boolean | null;
export interface EventPattern {
  readonly [field: string]: readonly EventPatternValue[] | EventPattern;
}

/** CloudTrail-recorded EKS management calls of the handled names, as EventBridge delivers them on the default bus. */
export const clusterEventPattern = {
  source: ["aws.eks"],
  "detail-type": ["AWS API Call via CloudTrail"],
  detail: {
    eventSource: ["eks.amazonaws.com"],
    eventName: [...HANDLED_EVENT_NAMES],
  },
} as const satisfies EventPattern;

/** The pattern uses a form EventBridge knows but this matcher does not (prefix, anything-but, numeric, ...). */
export class EventPatternError extends ValidationError {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldPath(parent: string, field: string): string {
  return parent ? `${parent}.${field}` : field;
}

function matchesValues(allowed: readonly unknown[], actual: unknown, path: string): boolean {
  if (allowed.length === 0) throw new EventPatternError("invalid event pattern", [{ path, message: "expected at least one value (EventBridge rejects an empty list)" }]);
  for (const [index, value] of allowed.entries()) {
    if (value !== null && typeof value === "object") {
      throw new EventPatternError("unsupported event pattern", [
        { path: `${path}[${index}]`, message: `content filters (${JSON.stringify(value).slice(0, 60)}) are not supported; expected exact values` },
      ]);
    }
  }
  // An array in the event matches when any of its elements matches one of the values, as in EventBridge.
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some((candidate) => (candidate === null || typeof candidate !== "object") && allowed.some((value) => value === candidate));
}

function matchesAt(pattern: EventPattern, event: unknown, path: string): boolean {
  if (!isPlainObject(event)) return false;
  for (const [field, expected] of Object.entries(pattern)) {
    const here = fieldPath(path, field);
    // A field the pattern names but the event lacks fails the match (there is no "exists: false" form here).
    if (!(field in event)) return false;
    const actual = event[field];
    if (Array.isArray(expected)) {
      if (!matchesValues(expected, actual, here)) return false;
    } else if (isPlainObject(expected)) {
      if (!matchesAt(expected as EventPattern, actual, here)) return false;
    } else {
      throw new EventPatternError("invalid event pattern", [{ path: here, message: `expected a list of values or a nested object, got ${JSON.stringify(expected)}` }]);
    }
  }
  return true;
}

/**
 * Whether EventBridge would deliver `event` to a rule with `pattern`: every field the pattern names must be present,
 * a list matches when the event's value (or any element of an event array) equals one of its values, exactly and
 * case-sensitively, and a nested object matches field by field. Fields the pattern does not name are ignored.
 * Throws EventPatternError for a pattern form it does not implement, rather than answer wrongly.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(pattern) || Object.keys(pattern).length === 0) {
    throw new EventPatternError("invalid event pattern", [{ path: "", message: "expected an object naming at least one field" }]);
  }
  return matchesAt(pattern, event, "");
}
