// What every EKS operation works with: the caller's account and region, the store, the clock; and the small
// helpers they share (the cluster a request names, pagination, copies of stored records).

import { createHash } from "node:crypto";
import type { VirtualClock } from "../../clock.ts";
import type { DurationKey, JsonObject } from "../../fleet.ts";
import { invalidParameter, resourceNotFound } from "../errors.ts";
import type { ClusterRecord, EksStore } from "../store.ts";

/** A planned failure: the next update matching it ends Failed with this error and changes nothing. */
export interface UpdateFailurePlan {
  /** Update type (EndpointAccessUpdate, VersionUpdate, ...) or "*"; default "*". */
  readonly type?: string;
  /** Cluster name; default any. */
  readonly cluster?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface OperationContext {
  readonly account: string;
  readonly region: string;
  readonly clock: VirtualClock;
  readonly store: EksStore;
  readonly durations: Readonly<Record<DurationKey, number>>;
  readonly ssmParameters: ReadonlyMap<string, string>;
  /** Pending failure plans; the operation removes the one it uses. */
  readonly updateFailures: UpdateFailurePlan[];
  /** The IAM principal of the call (an assumed role's role): CreateCluster makes it the bootstrap cluster admin. */
  readonly callerPrincipal?: string;
}

export type Input = Record<string, unknown>;
export type OperationHandler = (context: OperationContext, input: Input) => JsonObject;

export const seconds = (date: Date) => date.getTime() / 1000;
export const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
export const clone = <T>(value: T): T => structuredClone(value);

export function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

export function requireCluster(context: OperationContext, name: unknown): ClusterRecord {
  const record = context.store.get(context.account, context.region, String(name));
  if (!record) throw resourceNotFound(`No cluster found for name: ${String(name)}.`, { clusterName: String(name) });
  return record;
}

export function paginate<T>(items: readonly T[], input: Input, operation: string): { page: T[]; nextToken?: string } {
  const maxResults = typeof input["maxResults"] === "number" ? input["maxResults"] : 100;
  let offset = 0;
  if (typeof input["nextToken"] === "string") {
    try {
      const token = JSON.parse(Buffer.from(input["nextToken"], "base64url").toString("utf8")) as { op?: string; offset?: number };
      if (token.op !== operation || typeof token.offset !== "number" || token.offset < 0) throw new Error("foreign token");
      offset = token.offset;
    } catch {
      throw invalidParameter("The nextToken provided is invalid.");
    }
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return next < items.length ? { page, nextToken: Buffer.from(JSON.stringify({ op: operation, offset: next })).toString("base64url") } : { page };
}

export function withToken(body: JsonObject, nextToken: string | undefined): JsonObject {
  return nextToken ? { ...body, nextToken } : body;
}
