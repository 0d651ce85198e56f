// Security Hub's REST-JSON wire protocol, BatchImportFindings (POST /findings/import) and GetFindings (POST /findings),
// enough to import findings as Security Hub does and read them back. Findings are stored by region and Id (an import
// of a known Id replaces it, unless its UpdatedAt is older: Security Hub keeps the newer). A finding that breaks the
// ASFF rules Security Hub checks comes back in FailedFindings with Security Hub's code (InvalidInput) and its wording
// ("Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters."); a
// finding for another account than the caller's with the default product is refused as Security Hub refuses it.

import type { JsonReply } from "./ssm.ts";

/** AwsSecurityFinding's required fields (the Security Hub API model). */
const REQUIRED = ["SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt", "Title", "Description", "Resources"] as const;

/** Length limits of the fields Security Hub checks on import (the Security Hub API model's documentation). */
const MAX_LENGTH: readonly { readonly path: readonly string[]; readonly max: number }[] = [
  { path: ["Id"], max: 512 },
  { path: ["GeneratorId"], max: 512 },
  { path: ["Title"], max: 256 },
  { path: ["Description"], max: 1024 },
  { path: ["Remediation", "Recommendation", "Text"], max: 512 },
];

const SEVERITY_LABELS = new Set(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]);
const COMPLIANCE_STATUSES = new Set(["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]);
const RECORD_STATES = new Set(["ACTIVE", "ARCHIVED"]);
const TYPE_NAMESPACES = ["Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors", "Sensitive Data Identifications"];
const DEFAULT_PRODUCT = /^arn:[\w-]+:securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const MAX_FINDINGS_PER_IMPORT = 100;

type Json = Record<string, unknown>;

/** The findings imported, by region, then Id. */
export class SecurityHubStore {
  readonly #regions = new Map<string, Map<string, Json>>();
  readonly #listeners = new Set<(finding: Json, region: string) => void>();

  /** Called with every finding imported, as it was sent; returns the unsubscribe function. */
  onImport(listener: (finding: Json, region: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  imported(finding: Json, region: string): void {
    for (const listener of this.#listeners) listener(structuredClone(finding), region);
  }

  findings(region: string): Json[] {
    return [...(this.#regions.get(region)?.values() ?? [])];
  }

  all(): Json[] {
    return [...this.#regions.values()].flatMap((findings) => [...findings.values()]);
  }

  get(region: string, id: string): Json | undefined {
    return this.#regions.get(region)?.get(id);
  }

  put(region: string, finding: Json): void {
    const findings = this.#regions.get(region) ?? new Map<string, Json>();
    findings.set(String(finding["Id"]), structuredClone(finding));
    this.#regions.set(region, findings);
  }
}

const adhere = (problem: string) => ({ code: "InvalidInput", message: `Finding does not adhere to Amazon Finding Format. ${problem}` });

function at(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Json)[key] : undefined), value);
}

/** Why Security Hub would refuse the finding, as its FailedFindings say it; undefined when it would take it. */
export function findingProblem(finding: unknown, caller: { readonly account: string; readonly region: string }): { code: string; message: string } | undefined {
  if (finding === null || typeof finding !== "object" || Array.isArray(finding)) return adhere("data should be object.");
  const data = finding as Json;
  for (const field of REQUIRED) {
    if (!(field in data)) return adhere(`data should have required property '${field}'.`);
  }
  for (const field of ["Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt", "Title", "Description", "SchemaVersion"]) {
    const value = data[field];
    if (typeof value !== "string") return adhere(`data.${field} should be string.`);
    if (value.length < 1) return adhere(`data.${field} should NOT be shorter than 1 characters.`);
  }
  for (const { path, max } of MAX_LENGTH) {
    const value = at(data, path);
    if (value === undefined) continue;
    if (typeof value !== "string") return adhere(`data.${path.join(".")} should be string.`);
    if (value.length < 1) return adhere(`data.${path.join(".")} should NOT be shorter than 1 characters.`);
    if (value.length > max) return adhere(`data.${path.join(".")} should NOT be longer than ${max} characters.`);
  }
  if (data["SchemaVersion"] !== "2018-10-08") return adhere("data.SchemaVersion should be equal to one of the allowed values.");
  for (const field of ["CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"]) {
    if (data[field] !== undefined && !(typeof data[field] === "string" && ISO_TIME.test(data[field] as string))) return adhere(`data.${field} should match format "date-time".`);
  }
  const severity = (data["FindingProviderFields"] as Json | undefined)?.["Severity"] ?? data["Severity"];
  const label = at(severity, ["Label"]);
  if (severity === undefined) return adhere("data should have required property 'Severity', data should match some schema in anyOf.");
  if (label !== undefined && !(typeof label === "string" && SEVERITY_LABELS.has(label))) return adhere("data.Severity.Label should be equal to one of the allowed values.");
  const types = at(data, ["FindingProviderFields", "Types"]) ?? data["Types"];
  if (!Array.isArray(types) || types.length === 0) return adhere("data should have required property 'Types', data should match some schema in anyOf.");
  if (types.length > 50) return adhere("data.Types should NOT have more than 50 items.");
  if (!types.every((type) => typeof type === "string" && TYPE_NAMESPACES.some((namespace) => type === namespace || type.startsWith(`${namespace}/`)))) {
    return adhere("data.Types should match pattern \"^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(/.*)?$\".");
  }
  const resources = data["Resources"];
  if (!Array.isArray(resources) || resources.length === 0) return adhere("data.Resources should NOT have fewer than 1 items.");
  if (resources.length > 32) return adhere("data.Resources should NOT have more than 32 items.");
  for (const [index, resource] of resources.entries()) {
    if (typeof at(resource, ["Type"]) !== "string" || typeof at(resource, ["Id"]) !== "string") return adhere(`data.Resources[${index}] should have required property 'Type' and 'Id'.`);
  }
  const compliance = at(data, ["Compliance", "Status"]);
  if (compliance !== undefined && !(typeof compliance === "string" && COMPLIANCE_STATUSES.has(compliance))) return adhere("data.Compliance.Status should be equal to one of the allowed values.");
  const requirements = at(data, ["Compliance", "RelatedRequirements"]);
  if (Array.isArray(requirements) && requirements.length > 32) return adhere("data.Compliance.RelatedRequirements should NOT have more than 32 items.");
  if (data["RecordState"] !== undefined && !RECORD_STATES.has(String(data["RecordState"]))) return adhere("data.RecordState should be equal to one of the allowed values.");
  const product = DEFAULT_PRODUCT.exec(String(data["ProductArn"]));
  if (!product) return { code: "InvalidInput", message: `Product ${String(data["ProductArn"])} is not the default product of an account; this simulator serves only custom integrations.` };
  const [, productRegion, productAccount, productCompany] = product as unknown as [string, string, string, string];
  if (productRegion !== caller.region) return { code: "InvalidInput", message: `Product ${String(data["ProductArn"])} is not in the region called (${caller.region}).` };
  if (productAccount !== caller.account || productCompany !== caller.account || data["AwsAccountId"] !== caller.account) {
    return { code: "AccessDeniedException", message: `Account ${caller.account} may import findings only for itself with its default product (AwsAccountId ${String(data["AwsAccountId"])}, ${String(data["ProductArn"])}).` };
  }
  return undefined;
}

const error = (errorType: string, message: string, status = 400): JsonReply => ({ status, errorType, body: { __type: errorType, message, Message: message, Code: errorType } });

function importFindings(input: Json, store: SecurityHubStore, caller: { readonly account: string; readonly region: string }): JsonReply {
  const findings = input["Findings"];
  if (!Array.isArray(findings)) return error("InvalidInputException", "Findings is required and must be a list of findings.");
  if (findings.length > MAX_FINDINGS_PER_IMPORT) return error("InvalidInputException", `Findings holds ${findings.length} findings; at most ${MAX_FINDINGS_PER_IMPORT} can be imported at once.`);
  const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
  for (const finding of findings) {
    const problem = findingProblem(finding, caller);
    const id = String((finding as Json | null)?.["Id"] ?? "");
    if (problem) {
      failed.push({ Id: id, ErrorCode: problem.code, ErrorMessage: problem.message });
      continue;
    }
    store.imported(finding as Json, caller.region);
    const stored = store.get(caller.region, id);
    // The newer finding wins: an update whose UpdatedAt is older than the stored one changes nothing.
    if (stored && Date.parse(String(stored["UpdatedAt"])) > Date.parse(String((finding as Json)["UpdatedAt"]))) continue;
    // Workflow and Note belong to Security Hub's users: an import never changes them once the finding exists.
    const kept = stored ? Object.fromEntries(["Workflow", "Note", "UserDefinedFields", "VerificationState"].filter((key) => key in stored).map((key) => [key, stored[key]])) : {};
    store.put(caller.region, { ...(finding as Json), ...kept, ...(stored ? {} : { Workflow: { Status: "NEW" } }), Region: caller.region });
  }
  return { status: 200, body: { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed } };
}

/** GetFindings with the StringFilters EQUALS of Id, GeneratorId, RecordState and ComplianceStatus; paged by NextToken. */
function getFindings(input: Json, store: SecurityHubStore, region: string): JsonReply {
  const filters = (input["Filters"] ?? {}) as Json;
  const fields: Record<string, (finding: Json) => unknown> = {
    Id: (finding) => finding["Id"],
    GeneratorId: (finding) => finding["GeneratorId"],
    RecordState: (finding) => finding["RecordState"],
    ComplianceStatus: (finding) => at(finding, ["Compliance", "Status"]),
    ResourceId: (finding) => at(finding, ["Resources", "0", "Id"]) ?? (finding["Resources"] as Json[] | undefined)?.[0]?.["Id"],
  };
  for (const name of Object.keys(filters)) {
    if (!(name in fields)) return error("InvalidInputException", `Filter ${name} is not supported by the simulator; use ${Object.keys(fields).join(", ")}.`);
  }
  const matches = store.findings(region).filter((finding) =>
    Object.entries(filters).every(([name, conditions]) =>
      (conditions as { Value?: string; Comparison?: string }[]).some((condition) => (condition.Comparison ?? "EQUALS") === "EQUALS" && fields[name]!(finding) === condition.Value),
    ),
  );
  const maxResults = typeof input["MaxResults"] === "number" ? Math.min(100, Math.max(1, input["MaxResults"])) : 100;
  const start = typeof input["NextToken"] === "string" ? Number(input["NextToken"]) || 0 : 0;
  const page = matches.slice(start, start + maxResults);
  return { status: 200, body: { Findings: page, ...(start + maxResults < matches.length ? { NextToken: String(start + maxResults) } : {}) } };
}

export function handleSecurityHub(method: string, path: string, body: string, store: SecurityHubStore, caller: { readonly account: string; readonly region: string }): JsonReply {
  let input: Json;
  try {
    input = body.trim() ? (JSON.parse(body) as Json) : {};
  } catch {
    return error("InvalidInputException", "The request body is not valid JSON.");
  }
  if (method === "POST" && path === "/findings/import") return importFindings(input, store, caller);
  if (method === "POST" && path === "/findings") return getFindings(input, store, caller.region);
  return error("InvalidInputException", `No Security Hub operation matches ${method} ${path}; the simulator serves BatchImportFindings and GetFindings.`, 404);
}
