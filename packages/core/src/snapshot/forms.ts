// The input forms a user has AWS output in, peeled down to the resource object, and the SnapshotError every
// normaliser throws: the field path as written in the input and what was expected there.
//
// Accepted forms, for each call:
// - SDK v3 output: the command output (`{ $metadata, cluster }`) or the inner object, with Date instances;
// - `aws eks describe-cluster` JSON (`{"cluster": {...}}`, ISO 8601 strings), or the inner object;
// - the recording format of test/fixtures (`{"status_code": 200, "data": {"cluster": {...}}}`,
//   `{"__class__": "datetime", ...}` dates). A recording of a failed call is reported as such.

import type * as z from "zod/mini";
import { SnapshotError } from "../errors.ts";
import { formatPath, issuesFromZod } from "../zod-issues.ts";

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function clip(text: string, length = 80): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/** A short, single-line rendering of a user value for an error message. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return clip(JSON.stringify(value));
  return `a ${typeof value}`;
}

/** `call` is the AWS operation whose output was expected, e.g. "DescribeCluster". */
export function fail(call: string, path: string, message: string): never {
  throw new SnapshotError(`invalid ${call} data`, [{ path, message }]);
}

export function keysOf(body: JsonObject): string {
  const keys = Object.keys(body).slice(0, 6).map((name) => JSON.stringify(name.slice(0, 40)));
  return keys.length ? `keys ${keys.join(", ")}` : "no keys";
}

/** `value` validated by `schema`; the issues, if any, as a SnapshotError with paths under `prefix`. */
export function parse<T extends z.ZodMiniType>(schema: T, value: unknown, what: string, prefix: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new SnapshotError(`invalid ${what} data`, issuesFromZod(result.error, prefix));
  return result.data;
}

export interface Located {
  readonly body: JsonObject;
  /** Where `body` sits in the input, e.g. "data.cluster". */
  readonly path: string;
}

/**
 * Peels a response envelope (recording, SDK/CLI output) off a resource object. `key` is the response member
 * (cluster, nodegroup, addon); `marker` the fields that make an object recognisably that resource: any one of
 * them in a group (`a+b` needs both), so that some other JSON with a "name" is not mistaken for a cluster.
 */
export function locate(input: unknown, what: string, key: string, marker: string, prefix: string): Located {
  if (!isRecord(input)) fail(what, prefix, `expected a JSON object, got ${show(input)}`);
  let body = input;
  let path = prefix;
  if ("status_code" in body && "data" in body) {
    body = unwrapRecording(body, what, path);
    path = formatPath(["data"], path);
  }
  if (key in body) {
    const inner = body[key];
    const innerPath = formatPath([key], path);
    if (!isRecord(inner)) fail(what, innerPath, `expected an object, got ${show(inner)}`);
    return { body: inner, path: innerPath };
  }
  const groups = marker.split(" ").map((group) => group.split("+"));
  if (groups.some((group) => group.every((field) => field in body))) return { body, path };
  const markers = groups.map((group) => group.map((field) => `"${field}"`).join(" and ")).join(" or ");
  return fail(what, path, `expected a ${what} response ({"${key}": {...}}) or the ${key} object itself (with ${markers}), got an object with ${keysOf(body)}`);
}

/** The `data` of a `{status_code, data}` recording; a recorded failure becomes an error that says what failed. */
export function unwrapRecording(recording: JsonObject, what: string, path: string): JsonObject {
  const status = recording.status_code;
  const data = recording.data;
  if (typeof status !== "number") fail(what, formatPath(["status_code"], path), `expected an HTTP status number, got ${show(status)}`);
  if (status < 200 || status > 299) {
    const error = isRecord(data) && isRecord(data.Error) ? data.Error : {};
    const detail = clip([error.Code, error.Message].filter((part) => typeof part === "string").join(": ").replace(/\s+/g, " "));
    fail(what, formatPath(["status_code"], path), `the recorded call failed with HTTP ${status}${detail ? ` (${detail})` : ""}; expected a successful response`);
  }
  if (!isRecord(data)) fail(what, formatPath(["data"], path), `expected the response object, got ${show(data)}`);
  return data;
}
