// DescribeAddon output -> AddonSnapshot.

import * as z from "zod/mini";
import type { AddonSnapshot } from "../model.ts";
import { locate, parse } from "./forms.ts";

const addonSchema = z.object({
  addonName: z.string().check(z.minLength(1, { error: "expected the add-on name" })),
  addonVersion: z.string().check(z.minLength(1, { error: "expected the add-on version, e.g. v1.19.0-eksbuild.1" })),
  clusterName: z.optional(z.string()),
  status: z.optional(z.string()),
  health: z.optional(z.object({ issues: z.optional(z.array(z.object({ code: z.optional(z.string()), message: z.optional(z.string()) }))) })),
});

/** One DescribeAddon output. `prefix` names where it sits in the caller's input, for error paths. */
export function normaliseAddon(input: unknown, prefix = ""): AddonSnapshot & { clusterName?: string } {
  const what = "DescribeAddon";
  const { body, path } = locate(input, what, "addon", "addonName", prefix);
  const record = parse(addonSchema, body, what, path);
  return {
    name: record.addonName,
    version: record.addonVersion,
    ...(record.clusterName !== undefined && { clusterName: record.clusterName }),
    ...(record.status !== undefined && { status: record.status }),
    healthIssues: (record.health?.issues ?? []).map((issue) => ({
      ...(issue.code !== undefined && { code: issue.code }),
      ...(issue.message !== undefined && { message: issue.message }),
    })),
  };
}
