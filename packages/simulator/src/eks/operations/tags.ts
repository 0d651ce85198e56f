// Tags on clusters, node groups and add-ons: TagResource, UntagResource, ListTagsForResource.

import type { JsonObject } from "../../fleet.ts";
import { badRequest, notFound } from "../errors.ts";
import { clone, isObject, type OperationContext, type OperationHandler } from "./context.ts";

const RESOURCE_ARN = /^arn:aws[\w-]*:eks:([a-z0-9-]+):(\d{12}):(cluster|nodegroup|addon)\/([^/]+)(?:\/([^/]+))?(?:\/[^/]+)?$/;

/** The tags object of the resource an ARN names, in the caller's account and region. */
function taggable(context: OperationContext, arn: string): JsonObject {
  const match = RESOURCE_ARN.exec(arn);
  if (!match) throw badRequest(`${arn} is not a valid resource arn`);
  const [, region, account, kind, clusterName, childName] = match as unknown as [string, string, string, string, string, string | undefined];
  const missing = () => notFound(`Resource ${arn} was not found.`);
  if (region !== context.region || account !== context.account) throw missing();
  const cluster = context.store.get(account, region, clusterName);
  if (!cluster) throw missing();
  let data: JsonObject;
  if (kind === "cluster") data = cluster.data;
  else if (kind === "nodegroup") {
    const nodegroup = cluster.nodegroups.get(childName ?? "");
    if (!nodegroup || nodegroup.data["nodegroupArn"] !== arn) throw missing();
    data = nodegroup.data;
  } else {
    const addon = cluster.addons.get(childName ?? "");
    if (!addon || addon.data["addonArn"] !== arn) throw missing();
    data = addon.data;
  }
  if (!isObject(data["tags"])) data["tags"] = {};
  return data["tags"] as JsonObject;
}

function checkTagKey(key: string): void {
  if (key.length < 1 || key.length > 128) throw badRequest(`Tag key ${key} must be between 1 and 128 characters.`);
  if (key.toLowerCase().startsWith("aws:")) throw badRequest("Tag keys starting with aws: are reserved for AWS use.");
}

export const tagResource: OperationHandler = (context, input) => {
  const tags = taggable(context, String(input["resourceArn"]));
  const additions = input["tags"] as JsonObject;
  for (const [key, value] of Object.entries(additions)) {
    checkTagKey(key);
    if (typeof value !== "string" || value.length > 256) throw badRequest(`Tag value for ${key} must be a string of at most 256 characters.`);
  }
  if (Object.keys({ ...tags, ...additions }).length > 50) throw badRequest("A resource can have at most 50 tags.");
  Object.assign(tags, additions);
  return {};
};

export const untagResource: OperationHandler = (context, input) => {
  const tags = taggable(context, String(input["resourceArn"]));
  for (const key of input["tagKeys"] as string[]) delete tags[key];
  return {};
};

export const listTagsForResource: OperationHandler = (context, input) => ({ tags: clone(taggable(context, String(input["resourceArn"]))) });
