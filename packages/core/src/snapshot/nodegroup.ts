// DescribeNodegroup output -> NodegroupSnapshot.

import * as z from "zod";
import type { NodegroupSnapshot } from "../model.ts";
import { minorVersion } from "./fields.ts";
import { locate, parse } from "./forms.ts";

const nodegroupSchema = z.object({
  nodegroupName: z.string().min(1, { error: "expected the node group name" }),
  nodegroupArn: z.string().optional(),
  clusterName: z.string().optional(),
  status: z.string().optional(),
  version: minorVersion.optional(),
  releaseVersion: z.string().optional(),
  amiType: z.string().optional(),
  launchTemplate: z.object({ id: z.string().optional(), name: z.string().optional(), version: z.string().optional() }).optional(),
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
