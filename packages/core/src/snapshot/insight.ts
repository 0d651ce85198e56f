// ListInsights InsightSummary -> InsightSnapshot.

import * as z from "zod";
import type { InsightSnapshot } from "../model.ts";
import { awsDate } from "./fields.ts";
import { parse } from "./forms.ts";

const insightSchema = z.object({
  id: z.string().min(1, { error: "expected the insight id" }),
  name: z.string().min(1, { error: "expected the insight name" }),
  category: z.string().optional(),
  kubernetesVersion: z.string().optional(),
  lastRefreshTime: awsDate.optional(),
  description: z.string().optional(),
  insightStatus: z.object({ status: z.string().min(1, { error: "expected PASSING, WARNING, ERROR or UNKNOWN" }), reason: z.string().optional() }),
});

/** One InsightSummary of ListInsights. `path` names where it sits in the caller's input, for error paths. */
export function normaliseInsight(input: unknown, path = ""): InsightSnapshot {
  const record = parse(insightSchema, input, "ListInsights", path);
  return {
    id: record.id,
    name: record.name,
    status: record.insightStatus.status,
    ...(record.category !== undefined && { category: record.category }),
    ...(record.kubernetesVersion !== undefined && { kubernetesVersion: record.kubernetesVersion }),
    ...(record.insightStatus.reason !== undefined && { reason: record.insightStatus.reason }),
    ...(record.description !== undefined && { description: record.description }),
    ...(record.lastRefreshTime !== undefined && { lastRefreshTime: record.lastRefreshTime }),
  };
}
