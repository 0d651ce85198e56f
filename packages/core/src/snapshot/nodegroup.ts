// DescribeNodegroup output -> NodegroupSnapshot.

import * as z from "zod/mini";
import type { NodegroupSnapshot } from "../model.ts";
import { minorVersion } from "./fields.ts";
import { locate, parse } from "./forms.ts";

const nodegroupSchema = z.object({
  nodegroupName: z.string().check(z.minLength(1, { error: "expected the node group name" })),
  nodegroupArn: z.optional(z.string()),
  clusterName: z.optional(z.string()),
  status: z.optional(z.string()),
  version: z.optional(minorVersion),
  releaseVersion: z.optional(z.string()),
  amiType: z.optional(z.string()),
  launchTemplate: z.optional(z.object({ id: z.optional(z.string()), name: z.optional(z.string()), version: z.optional(z.string()) })),
});

/** One DescribeNodegroup output. `prefix` names where it sits in the caller's input, for error paths. */
export function normaliseNodegroup(input: unknown, prefix = ""): NodegroupSnapshot & { clusterName?: string } {
  const what = "DescribeNodegroup";
  const { body, path } = locate(input, what, "nodegroup", "nodegroupName", prefix);
  const record = parse(nodegroupSchema, body, what, path);
  const launchTemplate = record.launchTemplate;
  return {
    name: record.nodegroupName,
    ...(record.nodegroupArn !== undefined && { arn: record.nodegroupArn }),
    ...(record.clusterName !== undefined && { clusterName: record.clusterName }),
    ...(record.status !== undefined && { status: record.status }),
    ...(record.version !== undefined && { version: record.version }),
    ...(record.releaseVersion !== undefined && { releaseVersion: record.releaseVersion }),
    ...(record.amiType !== undefined && { amiType: record.amiType }),
    ...(launchTemplate !== undefined && {
      launchTemplate: {
        ...(launchTemplate.id !== undefined && { id: launchTemplate.id }),
        ...(launchTemplate.name !== undefined && { name: launchTemplate.name }),
        ...(launchTemplate.version !== undefined && { version: launchTemplate.version }),
      },
    }),
  };
}
