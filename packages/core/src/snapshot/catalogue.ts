// DescribeClusterVersions output -> VersionCatalogue.

import * as z from "zod/mini";
import type { ClusterVersionInfo, VersionCatalogue } from "../model.ts";
import { formatPath } from "../zod-issues.ts";
import { awsDate, minorVersion } from "./fields.ts";
import { fail, isRecord, keysOf, parse, show, unwrapRecording } from "./forms.ts";

const SUPPORT_STATUSES = ["STANDARD_SUPPORT", "EXTENDED_SUPPORT", "UNSUPPORTED"] as const;

const clusterVersionSchema = z.object({
  clusterVersion: minorVersion,
  // versionStatus is the current field; the older `status` used "standard-support" and is read only as a fallback.
  versionStatus: z.optional(z.enum(SUPPORT_STATUSES)),
  status: z.optional(z.pipe(z.pipe(z.string(), z.transform((text: string) => text.toUpperCase().replaceAll("-", "_"))), z.enum(SUPPORT_STATUSES))),
  defaultVersion: z.optional(z.boolean()),
  releaseDate: z.optional(awsDate),
  endOfStandardSupportDate: z.optional(awsDate),
  endOfExtendedSupportDate: z.optional(awsDate),
});

const catalogueSchema = z.object({
  clusterVersions: z.array(clusterVersionSchema),
  nextToken: z
    .optional(z.nullable(z.string()))
    .check(z.refine((token) => !token, { error: "expected no nextToken: this is one page of the catalogue; read every page and pass them merged" })),
});

/**
 * DescribeClusterVersions output -> VersionCatalogue. Accepts the SDK/CLI output (`{clusterVersions: [...]}`), a
 * recording of it, or the bare array. `retrievedAt` is when the caller read it (the data does not say).
 */
export function normaliseVersionCatalogue(input: unknown, options: { retrievedAt?: Date } = {}): VersionCatalogue {
  const what = "DescribeClusterVersions";
  let body: unknown = input;
  let path = "";
  if (isRecord(body) && "status_code" in body && "data" in body) {
    body = unwrapRecording(body, what, path);
    path = "data";
  }
  if (Array.isArray(body)) body = { clusterVersions: body };
  if (!isRecord(body) || !("clusterVersions" in body)) {
    const got = isRecord(body) ? `an object with ${keysOf(body)}` : show(body);
    fail(what, path, `expected a DescribeClusterVersions response ({"clusterVersions": [...]}) or its array, got ${got}`);
  }
  const record = parse(catalogueSchema, body, what, path);
  const versions = record.clusterVersions.map((entry, index): ClusterVersionInfo => {
    const status = entry.versionStatus ?? entry.status;
    if (status === undefined) {
      fail(what, formatPath(["clusterVersions", index, "versionStatus"], path), `missing; expected one of ${SUPPORT_STATUSES.join(", ")}`);
    }
    return {
      version: entry.clusterVersion,
      status,
      ...(entry.releaseDate !== undefined && { releaseDate: entry.releaseDate }),
      ...(entry.endOfStandardSupportDate !== undefined && { endOfStandardSupportDate: entry.endOfStandardSupportDate }),
      ...(entry.endOfExtendedSupportDate !== undefined && { endOfExtendedSupportDate: entry.endOfExtendedSupportDate }),
      ...(entry.defaultVersion !== undefined && { defaultVersion: entry.defaultVersion }),
    };
  });
  return { versions, ...(options.retrievedAt !== undefined && { retrievedAt: options.retrievedAt }) };
}
