// Turns an HTTP request into an operation input, by the botocore model's route table, and validates it
// against the model's constraints the way the service does (the SDK v3 does not validate client-side).

import type { MemberSpec, OperationSpec } from "./route-types.ts";
import { EKS_OPERATIONS } from "./routes.generated.ts";
import { EksApiError, invalidParameter } from "./errors.ts";

interface CompiledRoute {
  readonly spec: OperationSpec;
  readonly segments: readonly { readonly literal?: string; readonly label?: string }[];
}

const ROUTES: readonly CompiledRoute[] = EKS_OPERATIONS.map((spec) => ({
  spec,
  segments: spec.uri
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const label = /^\{(\w+)\}$/.exec(segment)?.[1];
      return label ? { label } : { literal: segment };
    }),
}));

export interface MatchedRoute {
  readonly spec: OperationSpec;
  readonly labels: Readonly<Record<string, string>>;
}

export function matchRoute(method: string, pathname: string): MatchedRoute | undefined {
  // Split before decoding: labels such as a resource ARN arrive percent-encoded and may hold "/".
  const parts = pathname.split("/").filter(Boolean);
  for (const route of ROUTES) {
    if (route.spec.method !== method || route.segments.length !== parts.length) continue;
    const labels: Record<string, string> = {};
    const matches = route.segments.every((segment, index) => {
      const part = parts[index]!;
      if (segment.literal !== undefined) return segment.literal === part;
      try {
        labels[segment.label!] = decodeURIComponent(part);
      } catch {
        return false;
      }
      return true;
    });
    if (matches) return { spec: route.spec, labels };
  }
  return undefined;
}

export interface ParsedInput {
  /** Keyed by model member name (clusterName, nodegroupName, maxResults, ...). */
  readonly input: Record<string, unknown>;
  /** What the caller sent, keyed as CloudTrail logs it: URI labels and query keys by wire name, then the body. */
  readonly requestParameters: Record<string, unknown>;
}

function coerceQueryValue(member: MemberSpec, values: string[]): unknown {
  const last = values[values.length - 1]!;
  switch (member.type) {
    case "list":
      return values;
    case "integer": {
      const parsed = Number(last);
      if (!Number.isInteger(parsed)) throw invalidParameter(`1 validation error detected: Value '${last}' at '${member.name}' failed to satisfy constraint: Member must be an integer`);
      return parsed;
    }
    case "boolean":
      if (last !== "true" && last !== "false") throw invalidParameter(`1 validation error detected: Value '${last}' at '${member.name}' failed to satisfy constraint: Member must be true or false`);
      return last === "true";
    default:
      return last;
  }
}

export function parseInput(route: MatchedRoute, query: URLSearchParams, body: string): ParsedInput {
  const input: Record<string, unknown> = {};
  const requestParameters: Record<string, unknown> = {};
  let json: Record<string, unknown> = {};
  if (body.trim().length > 0) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      json = parsed as Record<string, unknown>;
    } catch {
      throw new EksApiError("BadRequestException", 400, "The request body is not a valid JSON object.");
    }
  }
  for (const member of route.spec.members) {
    if (member.location === "uri") {
      const value = route.labels[member.wireName];
      if (value !== undefined) {
        input[member.name] = value;
        requestParameters[member.wireName] = value;
      }
    } else if (member.location === "querystring") {
      const values = query.getAll(member.wireName);
      if (values.length > 0) {
        input[member.name] = coerceQueryValue(member, values);
        requestParameters[member.wireName] = input[member.name];
      }
    }
  }
  for (const member of route.spec.members) {
    if (member.location === "body" && json[member.wireName] !== undefined) {
      input[member.name] = json[member.wireName];
      requestParameters[member.wireName] = json[member.wireName];
    }
  }
  return { input, requestParameters };
}

function sizeOf(value: unknown): number | undefined {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (typeof value === "object" && value !== null) return Object.keys(value).length;
  return undefined;
}

/** Checks required members and the model's min/max/pattern/enum constraints; EKS reports them as InvalidParameterException. */
export function validateInput(spec: OperationSpec, input: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const required of spec.required) {
    if (input[required] === undefined || input[required] === null) problems.push(`Value null at '${required}' failed to satisfy constraint: Member must not be null`);
  }
  for (const member of spec.members) {
    const value = input[member.name];
    if (value === undefined || value === null) continue;
    const expected = { string: "string", integer: "number", boolean: "boolean", list: "array", map: "object", structure: "object" }[member.type];
    const actual = Array.isArray(value) ? "array" : typeof value;
    if (expected && actual !== expected) {
      problems.push(`Value '${JSON.stringify(value)}' at '${member.name}' failed to satisfy constraint: Member must be of type ${member.type}`);
      continue;
    }
    if (member.type === "integer") {
      if (member.min !== undefined && (value as number) < member.min) problems.push(`Value '${value}' at '${member.name}' failed to satisfy constraint: Member must have value greater than or equal to ${member.min}`);
      if (member.max !== undefined && (value as number) > member.max) problems.push(`Value '${value}' at '${member.name}' failed to satisfy constraint: Member must have value less than or equal to ${member.max}`);
    } else {
      const size = sizeOf(value);
      if (size !== undefined && member.min !== undefined && size < member.min) problems.push(`Value '${JSON.stringify(value)}' at '${member.name}' failed to satisfy constraint: Member must have length greater than or equal to ${member.min}`);
      if (size !== undefined && member.max !== undefined && size > member.max) problems.push(`Value '${JSON.stringify(value)}' at '${member.name}' failed to satisfy constraint: Member must have length less than or equal to ${member.max}`);
    }
    if (member.pattern && typeof value === "string" && !new RegExp(member.pattern.endsWith("$") ? member.pattern : `${member.pattern}$`).test(value)) {
      problems.push(`Value '${value}' at '${member.name}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${member.pattern}`);
    }
    if (member.enum && typeof value === "string" && !member.enum.includes(value)) {
      problems.push(`Value '${value}' at '${member.name}' failed to satisfy constraint: Member must satisfy enum value set: [${member.enum.join(", ")}]`);
    }
  }
  if (problems.length > 0) {
    throw invalidParameter(`${problems.length} validation error${problems.length > 1 ? "s" : ""} detected: ${problems.join("; ")}`);
  }
}
