// Terraform plan JSON (`terraform show -json plan.out`, Terraform's "JSON Output Format") -> the EKS clusters it plans.
// - aws_eks_cluster from planned_values (the root module and every child module), each resource's after_unknown
//   from resource_changes: a value known only after apply is recorded as unknown, never taken as a value;
// - aws_eks_access_entry and aws_eks_access_policy_association joined to their cluster by its name, or, when that
//   name is known only after apply, by the reference the configuration section records (aws_eks_cluster.x.name).
// Resources the plan deletes are not in planned_values, so they are not judged.

import { DesiredStateError, type ParsedDocument, type Position } from "./document.ts";
import type { DeclaredAt, DesiredAccessEntry, DesiredAccessPolicy, DesiredCluster, DesiredState, UnknownField, UnknownValue } from "./model.ts";
import { isRecord, Reader, type JsonObject } from "./values.ts";

const KNOWN_AFTER_APPLY = "known after apply";

interface PlannedResource {
  readonly address: string;
  /** The module the resource is in ("" for the root), as in configuration's module_calls path. */
  readonly modulePath: readonly string[];
  readonly type: string;
  readonly name: string;
  readonly values: JsonObject;
  readonly unknown: JsonObject;
  readonly node: JsonObject;
}

/** Whether a parsed document is a Terraform plan (or other `terraform show -json` output). */
export function looksLikeTerraformPlan(value: unknown): boolean {
  return isRecord(value) && typeof value.format_version === "string" && ("terraform_version" in value || "planned_values" in value || "resource_changes" in value);
}

/** `module.eks.module.inner.aws_eks_cluster.this[0]` -> module path ["eks", "inner"]. */
function modulePathOf(moduleAddress: string | undefined): string[] {
  if (!moduleAddress) return [];
  return [...moduleAddress.matchAll(/module\.([^.[\]]+)(?:\[[^\]]*\])?/g)].map((match) => match[1]!);
}

function collectResources(reader: Reader, module: JsonObject, unknownByAddress: ReadonlyMap<string, JsonObject>, out: PlannedResource[]): void {
  const resources = reader.array(module, "resources", "planned_values resources") ?? [];
  for (const [index, resource] of resources.entries()) {
    if (!isRecord(resource)) reader.fail(resources, index, "planned_values resource: expected an object");
    if (resource.mode !== "managed") continue;
    const address = reader.string(resource, "address", "resource address") ?? reader.fail(resource, undefined, "planned_values resource: missing its address");
    const type = reader.string(resource, "type", `${address} type`) ?? "";
    const values = reader.object(resource, "values", `${address} values`) ?? {};
    out.push({
      address,
      modulePath: modulePathOf(typeof module.address === "string" ? module.address : undefined),
      type,
      name: typeof resource.name === "string" ? resource.name : address,
      values,
      unknown: unknownByAddress.get(address) ?? {},
      node: resource,
    });
  }
  const children = reader.array(module, "child_modules", "child_modules") ?? [];
  for (const [index, child] of children.entries()) {
    if (!isRecord(child)) reader.fail(children, index, "child_modules: expected an object");
    collectResources(reader, child, unknownByAddress, out);
  }
}

/** The configuration section's resource for a planned resource: where its references are recorded. */
function configurationResource(configuration: JsonObject | undefined, resource: PlannedResource): JsonObject | undefined {
  let module: unknown = isRecord(configuration) ? configuration.root_module : undefined;
  for (const call of resource.modulePath) {
    const calls = isRecord(module) && isRecord(module.module_calls) ? module.module_calls : undefined;
    const entry = calls?.[call];
    module = isRecord(entry) ? entry.module : undefined;
  }
  const resources = isRecord(module) && Array.isArray(module.resources) ? module.resources : [];
  const address = `${resource.type}.${resource.name}`;
  return resources.find((candidate): candidate is JsonObject => isRecord(candidate) && candidate.address === address);
}

/** The resource addresses (module-qualified, without an index) an expression refers to: `aws_eks_cluster.main`. */
function referencedResources(expression: unknown, modulePath: readonly string[]): string[] {
  if (!isRecord(expression) || !Array.isArray(expression.references)) return [];
  const prefix = modulePath.map((call) => `module.${call}.`).join("");
  return expression.references
    .filter((reference): reference is string => typeof reference === "string")
    .map((reference) => /^([a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(reference)?.[1])
    .filter((reference): reference is string => reference !== undefined && !reference.startsWith("var.") && !reference.startsWith("local.") && !reference.startsWith("module.") && !reference.startsWith("data."))
    .map((reference) => `${prefix}${reference}`);
}

const withoutIndex = (address: string): string => address.replace(/\[[^\]]*\]$/, "");

/** The first block of a nested block list (Terraform writes `vpc_config { }` as a one-item list). */
function block(values: JsonObject, key: string): JsonObject | undefined {
  const list = values[key];
  const first = Array.isArray(list) ? list[0] : list;
  return isRecord(first) ? first : undefined;
}

/**
 * Whether the configuration sets the attribute at `path` (nested blocks are one-item lists): false when the resource's
 * configuration is there without it, undefined when the plan has no configuration for the resource.
 */
function configures(configured: JsonObject | undefined, path: readonly string[]): boolean | undefined {
  if (configured === undefined) return undefined;
  let node: unknown = configured.expressions;
  for (const key of path) {
    const container = Array.isArray(node) ? node[0] : node;
    if (!isRecord(container) || !(key in container)) return false;
    node = container[key];
  }
  return true;
}

function clusterOf(reader: Reader, resource: PlannedResource, region: string | undefined, configured: JsonObject | undefined): DesiredCluster {
  const { values, unknown, address } = resource;
  const position = reader.at(resource.node);
  const unknowns: UnknownValue[] = [];
  const declaredAt: DeclaredAt = {};
  const vpc = block(values, "vpc_config") ?? {};
  const vpcUnknown = block(unknown, "vpc_config") ?? (unknown.vpc_config === true ? { endpoint_public_access: true, endpoint_private_access: true, public_access_cidrs: true } : {});
  const access = block(values, "access_config");
  const accessUnknown = block(unknown, "access_config") ?? {};
  const upgrade = block(values, "upgrade_policy");
  const what = (setting: string) => `${address}: ${setting}`;

  // An attribute the provider computes when it is not configured (public_access_cidrs, version, access_config) is
  // "known after apply" in a plan even when the configuration leaves it out: that is AWS's default, as live, not an
  // unknown. Only a configured value known after apply (a reference to another resource) is unknown.
  const markUnknown = (field: UnknownField, parent: JsonObject, key: string, setting: string) => {
    const flagged = parent[key];
    if (flagged === true || (Array.isArray(flagged) && flagged.some((item) => item === true || (isRecord(item) && Object.values(item).includes(true))))) {
      if (configures(configured, setting.split(".")) === false) return true;
      // The line of after_unknown that says so, where the plan has one.
      unknowns.push({ field, why: `${setting} is ${KNOWN_AFTER_APPLY}`, ...(reader.document.positionOf(parent, key) ?? position) });
      return true;
    }
    return false;
  };
  const note = (field: UnknownField, parent: JsonObject | undefined, key: string) => {
    if (parent !== undefined && parent[key] !== undefined && parent[key] !== null) declaredAt[field] = reader.at(parent, key);
  };

  const name = reader.string(values, "name", what("name"));
  if (name === undefined) {
    throw new DesiredStateError(reader.file, position, `${address}: the cluster's name is ${unknown.name === true ? KNOWN_AFTER_APPLY : "missing"}; EKS Warden judges a cluster by its name, so give aws_eks_cluster a name known at plan time`);
  }
  const publicAccess = markUnknown("endpointPublicAccess", vpcUnknown, "endpoint_public_access", "vpc_config.endpoint_public_access") ? undefined : reader.boolean(vpc, "endpoint_public_access", what("vpc_config.endpoint_public_access"));
  const privateAccess = markUnknown("endpointPrivateAccess", vpcUnknown, "endpoint_private_access", "vpc_config.endpoint_private_access") ? undefined : reader.boolean(vpc, "endpoint_private_access", what("vpc_config.endpoint_private_access"));
  const cidrs = markUnknown("publicAccessCidrs", vpcUnknown, "public_access_cidrs", "vpc_config.public_access_cidrs") ? undefined : reader.strings(vpc, "public_access_cidrs", what("vpc_config.public_access_cidrs"));
  const version = markUnknown("version", unknown, "version", "version") ? undefined : reader.string(values, "version", what("version"));
  const logTypes = markUnknown("logging", unknown, "enabled_cluster_log_types", "enabled_cluster_log_types") ? undefined : reader.strings(values, "enabled_cluster_log_types", what("enabled_cluster_log_types"));
  const authenticationMode = markUnknown("authenticationMode", accessUnknown, "authentication_mode", "access_config.authentication_mode")
    ? undefined
    : access === undefined ? undefined : reader.string(access, "authentication_mode", what("access_config.authentication_mode"));
  const bootstrap = markUnknown("bootstrapClusterCreatorAdminPermissions", accessUnknown, "bootstrap_cluster_creator_admin_permissions", "access_config.bootstrap_cluster_creator_admin_permissions")
    ? undefined
    : access === undefined ? undefined : reader.boolean(access, "bootstrap_cluster_creator_admin_permissions", what("access_config.bootstrap_cluster_creator_admin_permissions"));
  const supportType = upgrade === undefined ? undefined : reader.string(upgrade, "support_type", what("upgrade_policy.support_type"));
  if (supportType !== undefined && supportType !== "STANDARD" && supportType !== "EXTENDED") reader.fail(upgrade, "support_type", `${what("upgrade_policy.support_type")}: expected STANDARD or EXTENDED, got ${JSON.stringify(supportType)}`);
  note("endpointPublicAccess", vpc, "endpoint_public_access");
  note("endpointPrivateAccess", vpc, "endpoint_private_access");
  note("publicAccessCidrs", vpc, "public_access_cidrs");
  note("version", values, "version");
  note("logging", values, "enabled_cluster_log_types");
  note("authenticationMode", access, "authentication_mode");
  note("bootstrapClusterCreatorAdminPermissions", access, "bootstrap_cluster_creator_admin_permissions");
  const tags = isRecord(values.tags) ? Object.fromEntries(Object.entries(values.tags).filter((entry): entry is [string, string] => typeof entry[1] === "string")) : {};

  return {
    name,
    source: { file: reader.file, format: "terraform-plan", resource: address, ...position },
    ...(region !== undefined && { region }),
    ...(version !== undefined && { version }),
    endpoint: { ...(publicAccess !== undefined && { publicAccess }), ...(privateAccess !== undefined && { privateAccess }), ...(cidrs !== undefined && { publicAccessCidrs: cidrs }) },
    // Terraform writes an omitted enabled_cluster_log_types as an empty list: no log type on, as AWS's default.
    ...(logTypes !== undefined && { enabledLogTypes: logTypes }),
    ...(supportType !== undefined && { supportType }),
    ...((authenticationMode !== undefined || bootstrap !== undefined) && {
      accessConfig: { ...(authenticationMode !== undefined && { authenticationMode }), ...(bootstrap !== undefined && { bootstrapClusterCreatorAdminPermissions: bootstrap }) },
    }),
    accessEntries: [],
    tags,
    unknown: unknowns,
    declaredAt,
  };
}

/** The provider's region when the configuration gives it as a constant (provider "aws" { region = "eu-west-1" }). */
function providerRegion(configuration: JsonObject | undefined): string | undefined {
  const providers = isRecord(configuration) && isRecord(configuration.provider_config) ? configuration.provider_config : {};
  const aws = providers.aws;
  const expressions = isRecord(aws) && isRecord(aws.expressions) ? aws.expressions : {};
  const region = expressions.region;
  return isRecord(region) && typeof region.constant_value === "string" ? region.constant_value : undefined;
}

/** A plan's EKS clusters with their access entries. Throws DesiredStateError on a plan it cannot read. */
export function readTerraformPlan(document: ParsedDocument): DesiredState {
  const reader = new Reader(document);
  const plan = document.value;
  if (!isRecord(plan)) return reader.fail(plan, undefined, "expected a Terraform plan object");
  const hint = "values" in plan ? " (this is `terraform show -json` of a state, which has `values`; run `terraform plan -out plan.out` and `terraform show -json plan.out`)" : "";
  const planned =
    reader.object(plan, "planned_values", "planned_values") ?? reader.fail(plan, undefined, `a Terraform plan without planned_values${hint}; expected the output of \`terraform show -json PLANFILE\``);
  const unknownByAddress = new Map<string, JsonObject>();
  for (const change of reader.array(plan, "resource_changes", "resource_changes") ?? []) {
    if (!isRecord(change) || typeof change.address !== "string" || !isRecord(change.change)) continue;
    if (isRecord(change.change.after_unknown)) unknownByAddress.set(change.address, change.change.after_unknown);
  }
  const root = reader.object(planned, "root_module", "planned_values.root_module") ?? {};
  const resources: PlannedResource[] = [];
  collectResources(reader, root, unknownByAddress, resources);
  const configuration = isRecord(plan.configuration) ? plan.configuration : undefined;
  const region = providerRegion(configuration);

  const clusters = resources.filter((resource) => resource.type === "aws_eks_cluster").map((resource) => ({ resource, cluster: clusterOf(reader, resource, region, configurationResource(configuration, resource)) }));
  const entries = new Map<string, DesiredAccessEntry[]>(clusters.map(({ cluster }) => [cluster.source.resource, []]));

  /** The cluster a resource with a cluster_name belongs to: by the name, or, known after apply, by the reference. */
  const owner = (resource: PlannedResource): string | undefined => {
    const name = resource.values.cluster_name;
    if (typeof name === "string") return clusters.find(({ cluster }) => cluster.name === name)?.cluster.source.resource;
    const expressions = configurationResource(configuration, resource)?.expressions;
    const targets = referencedResources(isRecord(expressions) ? expressions.cluster_name : undefined, resource.modulePath);
    const cluster = clusters.find(({ resource: candidate }) => targets.includes(withoutIndex(candidate.address)));
    if (cluster !== undefined) return cluster.cluster.source.resource;
    // An association naming its entry's cluster_name (aws_eks_access_entry.x.cluster_name) belongs to the entry's cluster.
    const entry = resources.find((candidate) => candidate.type === "aws_eks_access_entry" && candidate !== resource && targets.includes(withoutIndex(candidate.address)));
    return entry === undefined ? undefined : owner(entry);
  };
  const principalOf = (resource: PlannedResource): string => {
    const principal = resource.values.principal_arn;
    if (typeof principal === "string") return principal;
    const expressions = configurationResource(configuration, resource)?.expressions;
    const targets = referencedResources(isRecord(expressions) ? expressions.principal_arn : undefined, resource.modulePath);
    const entry = resources.find((candidate) => candidate.type === "aws_eks_access_entry" && candidate !== resource && targets.includes(withoutIndex(candidate.address)));
    if (entry !== undefined) return principalOf(entry);
    return `(${KNOWN_AFTER_APPLY}: ${targets[0] ?? `${resource.address}.principal_arn`})`;
  };

  const policies = new Map<string, DesiredAccessPolicy[]>();
  for (const association of resources.filter((resource) => resource.type === "aws_eks_access_policy_association")) {
    const cluster = owner(association);
    if (cluster === undefined) continue;
    const policyArn = reader.string(association.values, "policy_arn", `${association.address}: policy_arn`) ?? `(${KNOWN_AFTER_APPLY})`;
    const scope = block(association.values, "access_scope") ?? {};
    const type = scope.type === "namespace" ? "namespace" : "cluster";
    const namespaces = reader.strings(scope, "namespaces", `${association.address}: access_scope.namespaces`) ?? [];
    const key = `${cluster}|${principalOf(association)}`;
    policies.set(key, [...(policies.get(key) ?? []), { policyArn, accessScope: { type, namespaces } }]);
  }
  for (const entry of resources.filter((resource) => resource.type === "aws_eks_access_entry")) {
    const cluster = owner(entry);
    if (cluster === undefined) continue;
    const principalArn = principalOf(entry);
    const type = reader.string(entry.values, "type", `${entry.address}: type`);
    const username = reader.string(entry.values, "user_name", `${entry.address}: user_name`);
    entries.get(cluster)!.push({
      principalArn,
      ...(type !== undefined && { type }),
      ...(username !== undefined && { username }),
      kubernetesGroups: reader.strings(entry.values, "kubernetes_groups", `${entry.address}: kubernetes_groups`) ?? [],
      accessPolicies: policies.get(`${cluster}|${principalArn}`) ?? [],
      line: reader.at(entry.node).line,
    });
  }

  return {
    file: document.file,
    format: "terraform-plan",
    clusters: clusters.map(({ cluster }) => {
      const declared = entries.get(cluster.source.resource) ?? [];
      const unknownEntries = declared.filter((entry) => entry.principalArn.startsWith(`(${KNOWN_AFTER_APPLY}`));
      const position: Position = { line: cluster.source.line, column: cluster.source.column };
      return {
        ...cluster,
        accessEntries: declared,
        unknown: [...cluster.unknown, ...(unknownEntries.length > 0 ? [{ field: "accessEntries" as const, why: `the principal of ${unknownEntries.length} access entr${unknownEntries.length === 1 ? "y is" : "ies are"} ${KNOWN_AFTER_APPLY}`, ...position }] : [])],
      };
    }),
  };
}
