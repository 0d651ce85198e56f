// ListInsights InsightSummary (and, for a failing insight, DescribeInsight's Insight) -> InsightSnapshot.

import * as z from "zod/mini";
import type { InsightDetails, InsightSnapshot } from "../model.ts";
import { awsDate } from "./fields.ts";
import { parse } from "./forms.ts";

/**
 * What became of DescribeInsight for one failing insight: the `insight` it returned (any accepted form of it), or why
 * it could not be read.
 */
export type InsightDescription = { readonly insight: unknown } | { readonly unreadable: string };

const insightStatus = z.object({ status: z.string().check(z.minLength(1, { error: "expected PASSING, WARNING, ERROR or UNKNOWN" })), reason: z.optional(z.string()) });

const insightSchema = z.object({
  id: z.string().check(z.minLength(1, { error: "expected the insight id" })),
  name: z.string().check(z.minLength(1, { error: "expected the insight name" })),
  category: z.optional(z.string()),
  kubernetesVersion: z.optional(z.string()),
  lastRefreshTime: z.optional(awsDate),
  description: z.optional(z.string()),
  insightStatus,
});

const detailsSchema = z.object({
  recommendation: z.optional(z.string()),
  additionalInfo: z.optional(z.record(z.string(), z.string())),
  resources: z.optional(
    z.array(z.object({ insightStatus: z.optional(z.partial(insightStatus)), kubernetesResourceUri: z.optional(z.string()), arn: z.optional(z.string()) })),
  ),
  categorySpecificSummary: z.optional(
    z.object({
      deprecationDetails: z.optional(
        z.array(
          z.object({
            usage: z.string().check(z.minLength(1, { error: "expected the deprecated API" })),
            replacedWith: z.optional(z.string()),
            stopServingVersion: z.optional(z.string()),
            startServingReplacementVersion: z.optional(z.string()),
            clientStats: z.optional(z.array(z.object({ userAgent: z.optional(z.string()), numberOfRequestsLast30Days: z.optional(z.number()), lastRequestTime: z.optional(awsDate) }))),
          }),
        ),
      ),
      addonCompatibilityDetails: z.optional(z.array(z.object({ name: z.string().check(z.minLength(1, { error: "expected the add-on name" })), compatibleVersions: z.optional(z.array(z.string())) }))),
    }),
  ),
});

/** DescribeInsight's `insight` (or the whole response, as the SDK or the CLI gives it) -> its details. */
function normaliseDetails(input: unknown, path: string): { readonly summary: unknown; readonly details: InsightDetails; readonly path: string } {
  const wrapped = typeof input === "object" && input !== null && "insight" in input;
  const body = wrapped ? (input as { insight: unknown }).insight : input;
  const bodyPath = wrapped ? `${path}.insight` : path;
  const record = parse(detailsSchema, body, "DescribeInsight", bodyPath);
  const summary = record.categorySpecificSummary;
  return {
    summary: body,
    path: bodyPath,
    details: {
      ...(record.recommendation !== undefined && { recommendation: record.recommendation }),
      additionalInfo: { ...record.additionalInfo },
      resources: (record.resources ?? []).map((resource) => ({
        ...(resource.kubernetesResourceUri !== undefined && { kubernetesResourceUri: resource.kubernetesResourceUri }),
        ...(resource.arn !== undefined && { arn: resource.arn }),
        ...(resource.insightStatus?.status !== undefined && { status: resource.insightStatus.status }),
        ...(resource.insightStatus?.reason !== undefined && { reason: resource.insightStatus.reason }),
      })),
      deprecations: (summary?.deprecationDetails ?? []).map((deprecation) => ({
        usage: deprecation.usage,
        ...(deprecation.replacedWith !== undefined && { replacedWith: deprecation.replacedWith }),
        ...(deprecation.stopServingVersion !== undefined && { stopServingVersion: deprecation.stopServingVersion }),
        ...(deprecation.startServingReplacementVersion !== undefined && { startServingReplacementVersion: deprecation.startServingReplacementVersion }),
        clientStats: (deprecation.clientStats ?? []).map((stat) => ({
          ...(stat.userAgent !== undefined && { userAgent: stat.userAgent }),
          ...(stat.numberOfRequestsLast30Days !== undefined && { numberOfRequestsLast30Days: stat.numberOfRequestsLast30Days }),
          ...(stat.lastRequestTime !== undefined && { lastRequestTime: stat.lastRequestTime }),
        })),
      })),
      addonCompatibility: (summary?.addonCompatibilityDetails ?? []).map((addon) => ({ name: addon.name, compatibleVersions: [...(addon.compatibleVersions ?? [])] })),
    },
  };
}

/**
 * One InsightSummary of ListInsights, with what DescribeInsight said of it when it was asked (a failing insight;
 * `descriptions` by insight id). The described insight is the newer reading, so its status wins. `path` names where
 * the summary sits in the caller's input, for error paths; a description's path is `insightDescriptions.<id>`.
 */
export function normaliseInsight(input: unknown, path = "", descriptions: Readonly<Record<string, InsightDescription>> = {}): InsightSnapshot {
  const listed = parse(insightSchema, input, "ListInsights", path);
  const description = Object.hasOwn(descriptions, listed.id) ? descriptions[listed.id] : undefined;
  const described = description !== undefined && "insight" in description ? normaliseDetails(description.insight, `insightDescriptions.${listed.id}`) : undefined;
  const record = described ? parse(insightSchema, described.summary, "DescribeInsight", described.path) : listed;
  return {
    id: record.id,
    name: record.name,
    status: record.insightStatus.status,
    ...(record.category !== undefined && { category: record.category }),
    ...(record.kubernetesVersion !== undefined && { kubernetesVersion: record.kubernetesVersion }),
    ...(record.insightStatus.reason !== undefined && { reason: record.insightStatus.reason }),
    ...(record.description !== undefined && { description: record.description }),
    ...(record.lastRefreshTime !== undefined && { lastRefreshTime: record.lastRefreshTime }),
    ...(described !== undefined && { details: described.details }),
    ...(description !== undefined && "unreadable" in description && { detailsUnreadable: description.unreadable }),
  };
}
