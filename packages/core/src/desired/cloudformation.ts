// CloudFormation templates (JSON, or YAML with the short intrinsic tags; also what the CDK synthesizes into
// cdk.out/*.template.json) -> the EKS clusters they declare, after the CloudFormation resource reference:
// AWS::EKS::Cluster (Name, Version, ResourcesVpcConfig.EndpointPublicAccess / EndpointPrivateAccess /
// PublicAccessCidrs, Logging.ClusterLogging.EnabledTypes[].Type, AccessConfig, UpgradePolicy, Tags) and
// AWS::EKS::AccessEntry (ClusterName, PrincipalArn, Type, Username, KubernetesGroups, AccessPolicies).
// Intrinsics are resolved where the template alone decides them: Ref to a parameter with a Default, Ref to a cluster
// (its name), Fn::Sub / Fn::Join / Fn::If-free compositions of those. Anything else (Fn::GetAtt, Fn::ImportValue, a
// parameter without a default, a pseudo parameter) is unknown until deployment, and judged as such.

import { show } from "../snapshot/forms.ts";
import type { ParsedDocument } from "./document.ts";
import type { DeclaredAt, DesiredAccessEntry, DesiredCluster, DesiredState, UnknownField, UnknownValue } from "./model.ts";
import { isRecord, Reader, type JsonObject } from "./values.ts";

export function looksLikeCloudFormation(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if ("AWSTemplateFormatVersion" in value) return true;
  const resources = value.Resources;
  return isRecord(resources) && Object.values(resources).some((resource) => isRecord(resource) && typeof resource.Type === "string" && /^(AWS|Custom|Alexa)::/.test(resource.Type));
}

/** A value the template cannot decide on its own, and why. */
class Unresolved {
  constructor(readonly why: string) {}
}

type Resolved = unknown;

/** How an intrinsic reads in an explanation: `!GetAtt Vpc.CidrBlock`. */
function describeIntrinsic(name: string, argument: unknown): string {
  const short = name.replace(/^Fn::/, "");
  if (Array.isArray(argument) && argument.every((part) => typeof part === "string")) return `!${short} ${argument.join(short === "GetAtt" ? "." : ", ")}`;
  if (typeof argument === "string") return `!${short} ${argument}`;
  return `!${short}`;
}

interface Resolver {
  resolve(value: unknown): Resolved;
}

function makeResolver(template: JsonObject, clusterNames: ReadonlyMap<string, string>): Resolver {
  const parameters = isRecord(template.Parameters) ? template.Parameters : {};
  const parameter = (name: string): Resolved => {
    const declared = parameters[name];
    if (!isRecord(declared)) return undefined;
    if (!("Default" in declared)) return new Unresolved(`!Ref ${name} is a parameter without a default, given only at deployment`);
    const value = declared.Default;
    const type = typeof declared.Type === "string" ? declared.Type : "String";
    // CloudFormation parameters are text: a list type splits on commas, "true"/"false" stay text until a property reads them.
    if (typeof value === "string" && (type === "CommaDelimitedList" || type.startsWith("List<"))) return value.split(",").map((item) => item.trim());
    return value;
  };
  const resolve = (value: unknown): Resolved => {
    if (Array.isArray(value)) {
      const items = value.map(resolve);
      const unresolved = items.find((item) => item instanceof Unresolved);
      return unresolved ?? items;
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length !== 1) return value;
    const [name] = keys as [string];
    const argument = value[name];
    if (name === "Ref" && typeof argument === "string") {
      if (argument.startsWith("AWS::")) return new Unresolved(`!Ref ${argument} is known only at deployment`);
      const cluster = clusterNames.get(argument);
      if (cluster !== undefined) return cluster;
      return parameter(argument) ?? new Unresolved(`!Ref ${argument} names no parameter or cluster of this template`);
    }
    if (name === "Fn::Sub") {
      const [text, variables] = Array.isArray(argument) ? [argument[0], isRecord(argument[1]) ? argument[1] : {}] : [argument, {}];
      if (typeof text !== "string") return new Unresolved(describeIntrinsic(name, argument));
      let unresolved: Unresolved | undefined;
      const result = text.replace(/\$\{(!?)([^}]*)\}/g, (whole, literal: string, variable: string) => {
        if (literal === "!") return `\${${variable}}`;
        const given = variable in variables ? resolve(variables[variable]) : variable.includes(".") ? new Unresolved(`!Sub \${${variable}} is resolved only by CloudFormation`) : resolve({ Ref: variable });
        if (typeof given === "string" || typeof given === "number" || typeof given === "boolean") return String(given);
        unresolved ??= given instanceof Unresolved ? given : new Unresolved(`!Sub ${show(text)} cannot be resolved before deployment`);
        return whole;
      });
      return unresolved ?? result;
    }
    if (name === "Fn::Join" && Array.isArray(argument) && typeof argument[0] === "string") {
      const parts = resolve(argument[1]);
      if (parts instanceof Unresolved) return parts;
      if (Array.isArray(parts) && parts.every((part) => typeof part === "string" || typeof part === "number")) return parts.join(argument[0]);
      return new Unresolved(describeIntrinsic(name, argument));
    }
    if (name === "Ref" || name.startsWith("Fn::")) return new Unresolved(`${describeIntrinsic(name, argument)} is resolved only by CloudFormation`);
    return value;
  };
  return { resolve };
}

/** A boolean property; CloudFormation accepts "true"/"false" text for it (a parameter's default is text). */
function asBoolean(reader: Reader, parent: JsonObject, key: string, value: Resolved, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  return reader.fail(parent, key, `${name}: expected true or false, got ${show(value)}`);
}

function asStrings(reader: Reader, parent: JsonObject, key: string, value: Resolved, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return reader.fail(parent, key, `${name}: expected a list of text, got ${show(value)}`);
  return value;
}

function asString(reader: Reader, parent: JsonObject, key: string, value: Resolved, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return reader.fail(parent, key, `${name}: expected text, got ${show(value)}`);
  return value;
}

export function readCloudFormation(document: ParsedDocument): DesiredState {
  const reader = new Reader(document);
  const template = document.value;
  if (!isRecord(template)) return reader.fail(template, undefined, "expected a CloudFormation template object");
  const resources = reader.object(template, "Resources", "Resources") ?? reader.fail(template, undefined, "a CloudFormation template without Resources");
  const clusterIds = Object.keys(resources).filter((id) => isRecord(resources[id]) && resources[id].Type === "AWS::EKS::Cluster");

  // Ref to a cluster is its name: resolved first, so an access entry's ClusterName: !Ref Cluster finds it.
  const names = new Map<string, string>();
  const nameResolver = makeResolver(template, new Map());
  for (const id of clusterIds) {
    const properties = isRecord((resources[id] as JsonObject).Properties) ? ((resources[id] as JsonObject).Properties as JsonObject) : {};
    const name = nameResolver.resolve(properties.Name);
    if (typeof name === "string") names.set(id, name);
  }
  const resolver = makeResolver(template, names);

  const clusters: DesiredCluster[] = clusterIds.map((id) => {
    const resource = resources[id] as JsonObject;
    const position = reader.at(resources, id);
    const properties = reader.object(resource, "Properties", `${id}.Properties`) ?? {};
    const unknown: UnknownValue[] = [];
    const declaredAt: DeclaredAt = {};
    const setting = <T>(parent: JsonObject | undefined, key: string, field: UnknownField | undefined, read: (value: Resolved, name: string) => T | undefined): T | undefined => {
      if (parent === undefined || !(key in parent)) return undefined;
      const value = resolver.resolve(parent[key]);
      const where = reader.at(parent, key);
      if (field !== undefined) declaredAt[field] = where;
      if (value instanceof Unresolved) {
        if (field === undefined) return undefined;
        unknown.push({ field, why: value.why, ...where });
        return undefined;
      }
      return read(value, `${id}.${key}`);
    };
    const name = names.get(id);
    if (name === undefined) {
      const given = properties.Name === undefined ? "has no Name (CloudFormation would generate one)" : "has a Name only CloudFormation can resolve";
      reader.fail(resources, id, `${id} (AWS::EKS::Cluster) ${given}; EKS Warden judges a cluster by its name, so give it a Name or a parameter with a default`);
    }
    const vpc = reader.object(properties, "ResourcesVpcConfig", `${id}.ResourcesVpcConfig`);
    const publicAccess = setting(vpc, "EndpointPublicAccess", "endpointPublicAccess", (value, what) => asBoolean(reader, vpc!, "EndpointPublicAccess", value, what));
    const privateAccess = setting(vpc, "EndpointPrivateAccess", "endpointPrivateAccess", (value, what) => asBoolean(reader, vpc!, "EndpointPrivateAccess", value, what));
    const cidrs = setting(vpc, "PublicAccessCidrs", "publicAccessCidrs", (value, what) => asStrings(reader, vpc!, "PublicAccessCidrs", value, what));
    const version = setting(properties, "Version", "version", (value, what) => asString(reader, properties, "Version", value, what));
    const logging = reader.object(properties, "Logging", `${id}.Logging`);
    const clusterLogging = logging === undefined ? undefined : reader.object(logging, "ClusterLogging", `${id}.Logging.ClusterLogging`);
    const enabledLogTypes = setting(clusterLogging, "EnabledTypes", "logging", (value, what) => {
      if (!Array.isArray(value)) return reader.fail(clusterLogging, "EnabledTypes", `${what}: expected a list of {Type: ...}, got ${show(value)}`);
      return value.map((entry, index) => {
        const type = isRecord(entry) ? entry.Type : undefined;
        if (typeof type !== "string") return reader.fail(clusterLogging!.EnabledTypes, index, `${what}[${index}]: expected {Type: api|audit|authenticator|controllerManager|scheduler}, got ${show(entry)}`);
        return type;
      });
    });
    const access = reader.object(properties, "AccessConfig", `${id}.AccessConfig`);
    const authenticationMode = setting(access, "AuthenticationMode", "authenticationMode", (value, what) => asString(reader, access!, "AuthenticationMode", value, what));
    const bootstrap = setting(access, "BootstrapClusterCreatorAdminPermissions", "bootstrapClusterCreatorAdminPermissions", (value, what) =>
      asBoolean(reader, access!, "BootstrapClusterCreatorAdminPermissions", value, what),
    );
    const upgrade = reader.object(properties, "UpgradePolicy", `${id}.UpgradePolicy`);
    const supportType = setting(upgrade, "SupportType", "supportType", (value, what) => {
      if (value !== "STANDARD" && value !== "EXTENDED") return reader.fail(upgrade, "SupportType", `${what}: expected STANDARD or EXTENDED, got ${show(value)}`);
      return value;
    });
    const tags: Record<string, string> = {};
    for (const tag of reader.array(properties, "Tags", `${id}.Tags`) ?? []) {
      const key = isRecord(tag) ? resolver.resolve(tag.Key) : undefined;
      const value = isRecord(tag) ? resolver.resolve(tag.Value) : undefined;
      if (typeof key === "string" && typeof value === "string") tags[key] = value;
    }
    return {
      name: name!,
      source: { file: reader.file, format: "cloudformation", resource: id, ...position },
      ...(version !== undefined && { version }),
      endpoint: { ...(publicAccess !== undefined && { publicAccess }), ...(privateAccess !== undefined && { privateAccess }), ...(cidrs !== undefined && { publicAccessCidrs: cidrs }) },
      ...(enabledLogTypes !== undefined && { enabledLogTypes }),
      ...(supportType !== undefined && { supportType }),
      ...(access !== undefined && {
        accessConfig: { ...(authenticationMode !== undefined && { authenticationMode }), ...(bootstrap !== undefined && { bootstrapClusterCreatorAdminPermissions: bootstrap }) },
      }),
      accessEntries: [],
      tags,
      unknown,
      declaredAt,
    };
  });

  // Access entries, joined to their cluster by ClusterName (a Ref to the cluster resolves to its name).
  const entriesByCluster = new Map<string, DesiredAccessEntry[]>();
  const unknownEntries = new Map<string, UnknownValue[]>();
  for (const [id, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || resource.Type !== "AWS::EKS::AccessEntry") continue;
    const properties = reader.object(resource, "Properties", `${id}.Properties`) ?? {};
    const clusterName = resolver.resolve(properties.ClusterName);
    const cluster = clusters.find((candidate) => candidate.name === clusterName);
    if (cluster === undefined) continue;
    const where = reader.at(resources, id);
    const principal = resolver.resolve(properties.PrincipalArn);
    let principalArn: string;
    if (principal instanceof Unresolved) {
      principalArn = `(unknown until deployment: ${principal.why})`;
      unknownEntries.set(cluster.name, [...(unknownEntries.get(cluster.name) ?? []), { field: "accessEntries", why: `${id}.PrincipalArn: ${principal.why}`, ...where }]);
    } else {
      principalArn = asString(reader, properties, "PrincipalArn", principal, `${id}.PrincipalArn`) ?? reader.fail(resources, id, `${id}.PrincipalArn: missing; expected the IAM principal's ARN`);
    }
    const groups = resolver.resolve(properties.KubernetesGroups);
    const type = resolver.resolve(properties.Type);
    const username = resolver.resolve(properties.Username);
    const policies = reader.array(properties, "AccessPolicies", `${id}.AccessPolicies`) ?? [];
    entriesByCluster.set(cluster.name, [
      ...(entriesByCluster.get(cluster.name) ?? []),
      {
        principalArn,
        ...(typeof type === "string" && { type }),
        ...(typeof username === "string" && { username }),
        kubernetesGroups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === "string") : [],
        accessPolicies: policies.map((policy, index) => {
          if (!isRecord(policy)) return reader.fail(policies, index, `${id}.AccessPolicies[${index}]: expected {PolicyArn, AccessScope}, got ${show(policy)}`);
          const arn = resolver.resolve(policy.PolicyArn);
          const scope = isRecord(policy.AccessScope) ? policy.AccessScope : {};
          const namespaces = resolver.resolve(scope.Namespaces);
          return {
            policyArn: typeof arn === "string" ? arn : `(unknown until deployment)`,
            accessScope: { type: scope.Type === "namespace" ? ("namespace" as const) : ("cluster" as const), namespaces: Array.isArray(namespaces) ? namespaces.filter((item): item is string => typeof item === "string") : [] },
          };
        }),
        line: where.line,
      },
    ]);
  }

  return {
    file: document.file,
    format: "cloudformation",
    clusters: clusters.map((cluster) => ({ ...cluster, accessEntries: entriesByCluster.get(cluster.name) ?? [], unknown: [...cluster.unknown, ...(unknownEntries.get(cluster.name) ?? [])] })),
  };
}
