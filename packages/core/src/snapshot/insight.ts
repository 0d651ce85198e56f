// ListInsights InsightSummary (and, for a failing insight, DescribeInsight's Insight) -> InsightSnapshot.

import * as z from "zod";
import type { InsightDetails, InsightSnapshot } from "../model.ts";
import { awsDate } from "./fields.ts";
import { parse } from "./forms.ts";

/**
 * What became of DescribeInsight for one failing insight: the `insight` it returned (any accepted form of it), or why
 * it could not be read.
 */
export type InsightDescription = { readonly insight: unknown } | { readonly unreadable: string };

const insightStatus = z.object({ status: z.string().min(1, { error: "expected PASSING, WARNING, ERROR or UNKNOWN" }), reason: z.string().optional() });

const insightSchema = z.object({
  id: z.string().min(1, { error: "expected the insight id" }),
  name: z.string().min(1, { error: "expected the insight name" }),
  category: z.string().optional(),
  kubernetesVersion: z.string().optional(),
  lastRefreshTime: awsDate.optional(),
  description: z.string().optional(),
  insightStatus,
});

const detailsSchema = z.object({
  recommendation: z.string().optional(),
  additionalInfo: z.record(z.string(), z.string()).optional(),
  resources: z
    .array(z.object({ insightStatus: insightStatus.partial().optional(), kubernetesResourceUri: z.string().optional(), arn: z.string().optional() }))
    .optional(),
  categorySpecificSummary: z
    .object({
      deprecationDetails: z
        .array(
          z.object({
            usage: z.string().min(1, { error: "expected the deprecated API" }),
            replacedWith: z.string().optional(),
            stopServingVersion: z.string().optional(),
            startServingReplacementVersion: z.string().optional(),
            clientStats: z.array(z.object({ userAgent: z.string().optional(), numberOfRequestsLast30Days: z.number().optional(), lastRequestTime: awsDate.optional() })).optional(),
          }),
        )
        .optional(),
      addonCompatibilityDetails: z.array(z.object({ name: z.string().min(1, { error: "expected the add-on name" }), compatibleVersions: z.array(z.string()).optional() })).optional(),
    })
    .optional(),
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
