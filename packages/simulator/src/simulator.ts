// The simulator: one node:http server answering EKS (REST-JSON), SSM (JSON 1.1), STS (query) and Security Hub
// (REST-JSON: BatchImportFindings, GetFindings) on the same port, so AWS_ENDPOINT_URL_EKS, _SSM, _STS and
// _SECURITYHUB can all point at it.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { VirtualClock } from "./clock.ts";
import { buildCloudTrailEvent, CloudTrailBus, type CloudTrailListener, type DeliveryOptions } from "./cloudtrail.ts";
import { clusterArn, clusterPartArn } from "./eks/arns.ts";
import { EksApiError } from "./eks/errors.ts";
import { EKS_HANDLERS, MUTATING_OPERATIONS, type OperationContext, type UpdateFailurePlan } from "./eks/operations.ts";
import { newAccessEntry, newIdentityProvider } from "./eks/operations/access.ts";
import { matchRoute, parseInput, validateInput } from "./eks/request.ts";
import { EksStore, newClusterRecord } from "./eks/store.ts";
import type { FaultPlan } from "./fault-plan.ts";
import { CallCounter, FaultInjector, type InjectedFault } from "./faults.ts";
import { loadFleetFile, validateFleet, type DurationKey, type Fleet, type JsonObject, type ValidFleet } from "./fleet.ts";
import { IdentityDirectory, parseSigV4Authorization, type ResolvedCaller } from "./identity.ts";
import { handleSsm } from "./ssm.ts";
import { handleSecurityHub, SecurityHubStore } from "./securityhub.ts";
import { handleSts, stsError } from "./sts.ts";

export interface SimulatorOptions {
  /** A fleet object, or the path of a fleet JSON file. Default: an empty world. */
  readonly fleet?: Fleet | string;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Where the virtual clock starts; overrides the fleet's startTime. Default: the fleet's, else now. */
  readonly startTime?: Date;
  /** Seed of the fault-injection PRNG (wins over the fleet's faults.seed). */
  readonly seed?: number;
  /** Default delivery of CloudTrail events to subscribers. */
  readonly cloudTrail?: DeliveryOptions;
}

export interface Simulator {
  /** http://host:port: the endpoint for EKS, SSM and STS alike. */
  readonly url: string;
  readonly port: number;
  readonly clock: VirtualClock;
  readonly faults: FaultInjector;
  /** The fleet's `faults` section as validated: the simulator applies `eks`, the local system the keys of its parts. */
  readonly faultPlan: FaultPlan;
  readonly calls: CallCounter;
  readonly cloudTrail: CloudTrailBus;
  readonly identities: IdentityDirectory;
  readonly store: EksStore;
  readonly ssmParameters: Map<string, string>;
  /** The findings imported with BatchImportFindings, by region and Id. */
  readonly securityHub: SecurityHubStore;
  /** Virtual milliseconds each kind of asynchronous work takes; change freely at run time. */
  readonly durations: Record<DurationKey, number>;
  /** Subscribes to CloudTrail events; returns the unsubscribe function. */
  onCloudTrailEvent(listener: CloudTrailListener, options?: DeliveryOptions): () => void;
  /** The next update (or CreateCluster) matching the plan ends Failed instead of Successful. */
  failNextUpdate(plan?: UpdateFailurePlan): void;
  /** The environment variables that point the SDK at this simulator. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

const EKS_SOURCE = "eks.amazonaws.com";

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, requestId: string, contentType: string, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": requestId,
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  response.end(text);
}

function sendXml(response: ServerResponse, status: number, body: string, requestId: string): void {
  response.writeHead(status, { "content-type": "text/xml", "content-length": Buffer.byteLength(body), "x-amzn-requestid": requestId });
  response.end(body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function seedStore(store: EksStore, fleet: ValidFleet, clock: VirtualClock): void {
  store.clusterVersions = fleet.clusterVersions.map((entry) => structuredClone(entry));
  store.addonVersions = fleet.addonVersions.map((entry) => structuredClone(entry));
  for (const entry of fleet.clusters) {
    const data = structuredClone(entry.cluster);
    data["arn"] ??= clusterArn(entry.account, entry.region, String(data["name"]));
    data["status"] ??= "ACTIVE";
    const record = newClusterRecord(entry.account, entry.region, data);
    for (const nodegroup of entry.nodegroups) {
      const copy = structuredClone(nodegroup);
      const name = String(copy["nodegroupName"]);
      copy["clusterName"] = record.name;
      copy["nodegroupArn"] ??= clusterPartArn("nodegroup", entry.account, entry.region, record.name, name);
      copy["status"] ??= "ACTIVE";
      record.nodegroups.set(name, { data: copy });
    }
    for (const addon of entry.addons) {
      const copy = structuredClone(addon);
      const name = String(copy["addonName"]);
      copy["clusterName"] = record.name;
      copy["addonArn"] ??= clusterPartArn("addon", entry.account, entry.region, record.name, name);
      copy["status"] ??= "ACTIVE";
      copy["health"] ??= { issues: [] };
      record.addons.set(name, { data: copy });
    }
    record.insights = entry.insights.map((insight) => structuredClone(insight));
    for (const accessEntry of entry.accessEntries) {
      const { accessPolicies, ...fields } = structuredClone(accessEntry);
      const data = newAccessEntry(entry.account, entry.region, record.name, fields, clock.now());
      const policies = (Array.isArray(accessPolicies) ? (accessPolicies as JsonObject[]) : []).map((policy): [string, JsonObject] => {
        const scope = policy["accessScope"] as JsonObject;
        return [String(policy["policyArn"]), { policyArn: policy["policyArn"], accessScope: { type: scope["type"], namespaces: scope["namespaces"] ?? [] }, associatedAt: policy["associatedAt"] ?? data["createdAt"], modifiedAt: policy["modifiedAt"] ?? policy["associatedAt"] ?? data["createdAt"] }];
      });
      record.accessEntries.set(String(data["principalArn"]), { data, policies: new Map(policies) });
    }
    for (const provider of entry.identityProviders) {
      record.identityProviders.set(String(provider["identityProviderConfigName"]), newIdentityProvider(entry.account, entry.region, record.name, provider, typeof provider["status"] === "string" ? provider["status"] : "ACTIVE"));
    }
    store.add(record);
  }
}

/** Which service a request is for: SSM by its X-Amz-Target, STS by its signing scope or form body, EKS otherwise. */
function serviceOf(request: IncomingMessage, scopeService: string | undefined): "eks" | "ssm" | "sts" | "securityhub" | "admin" {
  const url = request.url ?? "/";
  if (url.startsWith("/_sim/")) return "admin";
  if (scopeService === "securityhub" || url === "/findings" || url.startsWith("/findings/") || url.startsWith("/findings?")) return "securityhub";
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.startsWith("AmazonSSM.")) return "ssm";
  if (scopeService === "sts") return "sts";
  if (request.method === "POST" && (url === "/" || url.startsWith("/?")) && String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return "sts";
  return "eks";
}

function clientIp(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? "127.0.0.1";
  return address.startsWith("::ffff:") ? address.slice(7) : address === "::1" ? "127.0.0.1" : address;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const fleet = typeof options.fleet === "string" ? await loadFleetFile(options.fleet) : validateFleet(options.fleet ?? {});
  const clock = new VirtualClock(options.startTime ?? fleet.startTime ?? new Date());
  const faults = new FaultInjector(options.seed ?? 1);
  // The fleet's `faults` section; an explicit options.seed still wins over its seed.
  if (fleet.faults) faults.apply(options.seed === undefined ? fleet.faults : { ...fleet.faults, seed: options.seed });
  const calls = new CallCounter();
  const cloudTrail = new CloudTrailBus(clock, options.cloudTrail);
  const identities = new IdentityDirectory(fleet.defaultAccount, fleet.identities, fleet.roles);
  const store = new EksStore();
  seedStore(store, fleet, clock);
  const ssmParameters = new Map(Object.entries(fleet.ssmParameters));
  const ssmSecureStrings = new Map(Object.entries(fleet.ssmSecureStrings));
  const securityHub = new SecurityHubStore();
  const durations: Record<DurationKey, number> = { ...fleet.durations };
  const updateFailures: UpdateFailurePlan[] = [];
  const trails = fleet.trails ? new Set(fleet.trails.map((trail) => `${trail.account}/${trail.region}`)) : undefined;

  function injectedEksError(fault: InjectedFault, operation: string): EksApiError {
    if (fault.kind === "throttle") return new EksApiError(fault.errorType, 429, "Rate exceeded");
    if (fault.kind === "server") return fault.status === 503 ? new EksApiError("ServiceUnavailableException", 503, "Service unavailable") : new EksApiError("ServerException", 500, `An internal error occurred while processing ${operation}.`);
    return new EksApiError(fault.errorType, fault.status, fault.message);
  }

  async function handleEks(request: IncomingMessage, response: ServerResponse, caller: ResolvedCaller, region: string, requestId: string): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    const method = request.method ?? "GET";
    const body = await readBody(request);
    const route = matchRoute(method, url.pathname);
    if (!route) {
      sendJson(response, 404, { message: `No EKS operation matches ${method} ${url.pathname}` }, requestId, "application/json", "UnknownOperationException");
      return;
    }
    const operation = route.spec.operation;
    calls.record(operation, caller.identity.arn);
    const account = caller.identity.accountId;
    const sourceIp = (request.headers["x-sim-source-ip"] as string | undefined) ?? caller.sourceIPAddress ?? clientIp(request);
    const userAgent = String(request.headers["user-agent"] ?? "");
    let requestParameters: Record<string, unknown> | null = null;
    let outcome: { status: number; body: JsonObject; errorType?: string };
    try {
      const latency = faults.eksLatency(operation);
      if (latency > 0) await sleep(latency);
      const parsed = parseInput(route, url.searchParams, body);
      requestParameters = parsed.requestParameters;
      // EKS throttles per account and region.
      const fault = faults.drawEks(operation, `${account}/${region}`);
      if (fault) throw injectedEksError(fault, operation);
      validateInput(route.spec, parsed.input);
      const sessionIssuer = caller.identity.sessionContext?.sessionIssuer["arn"];
      const callerPrincipal = caller.identity.type === "AssumedRole" && sessionIssuer ? sessionIssuer : caller.identity.arn;
      const context: OperationContext = { account, region, clock, store, durations, ssmParameters, updateFailures, callerPrincipal };
      outcome = { status: 200, body: EKS_HANDLERS[operation]!(context, parsed.input) };
    } catch (error) {
      const apiError = error instanceof EksApiError ? error : new EksApiError("ServerException", 500, `Internal error in the simulator: ${(error as Error).message}`);
      outcome = { status: apiError.status, body: { message: apiError.message, ...apiError.fields }, errorType: apiError.type };
    }
    if (MUTATING_OPERATIONS.has(operation) && (!trails || trails.has(`${account}/${region}`))) {
      cloudTrail.emit(
        buildCloudTrailEvent({
          eventSource: EKS_SOURCE,
          eventName: operation,
          account,
          region,
          time: clock.now(),
          userIdentity: caller.identity,
          sourceIPAddress: sourceIp,
          userAgent,
          requestId,
          requestParameters,
          responseElements: Object.keys(outcome.body).length > 0 ? outcome.body : null,
          ...(outcome.errorType ? { error: { code: outcome.errorType, message: String(outcome.body["message"]) } } : {}),
        }),
      );
    }
    sendJson(response, outcome.status, outcome.body, requestId, "application/json", outcome.errorType);
  }

  async function handleSsmRequest(request: IncomingMessage, response: ServerResponse, region: string, requestId: string): Promise<void> {
    const operation = String(request.headers["x-amz-target"]).slice("AmazonSSM.".length);
    const body = await readBody(request);
    calls.record(operation);
    const latency = faults.latencyFor(operation);
    if (latency > 0) await sleep(latency);
    const contentType = "application/x-amz-json-1.1";
    const fault = faults.draw(operation);
    if (fault) {
      const [errorType, status, message] =
        fault.kind === "throttle" ? ["ThrottlingException", 400, "Rate exceeded"] : fault.kind === "server" ? ["InternalServerError", fault.status, "Internal error"] : [fault.errorType, fault.status, fault.message];
      sendJson(response, status as number, { __type: errorType, message }, requestId, contentType, errorType as string);
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      sendJson(response, 400, { __type: "SerializationException", message: "The request body is not valid JSON." }, requestId, contentType, "SerializationException");
      return;
    }
    const reply = handleSsm(operation, input, ssmParameters, region, clock.now(), ssmSecureStrings);
    sendJson(response, reply.status, reply.body, requestId, contentType, reply.errorType);
  }

  async function handleSecurityHubRequest(request: IncomingMessage, response: ServerResponse, caller: ResolvedCaller, region: string, requestId: string): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    const operation = url.pathname === "/findings/import" ? "BatchImportFindings" : url.pathname === "/findings" ? "GetFindings" : "Unknown";
    const body = await readBody(request);
    calls.record(operation);
    const latency = faults.latencyFor(operation);
    if (latency > 0) await sleep(latency);
    const fault = faults.draw(operation);
    if (fault) {
      const [errorType, status, message] =
        fault.kind === "throttle" ? ["TooManyRequestsException", 429, "Rate exceeded"] : fault.kind === "server" ? ["InternalException", fault.status, "Internal error"] : [fault.errorType, fault.status, fault.message];
      sendJson(response, status as number, { Code: errorType, Message: message, message }, requestId, "application/json", errorType as string);
      return;
    }
    const reply = handleSecurityHub(request.method ?? "GET", url.pathname, body, securityHub, { account: caller.identity.accountId, region });
    sendJson(response, reply.status, reply.body, requestId, "application/json", reply.errorType);
  }

  async function handleStsRequest(request: IncomingMessage, response: ServerResponse, caller: ResolvedCaller, requestId: string): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const operation = form.get("Action") ?? "Unknown";
    calls.record(operation);
    const latency = faults.latencyFor(operation);
    if (latency > 0) await sleep(latency);
    const fault = faults.draw(operation);
    if (fault) {
      const reply = fault.kind === "throttle" ? stsError("Throttling", "Rate exceeded", requestId) : fault.kind === "server" ? stsError("InternalFailure", "Internal error", requestId, fault.status) : stsError(fault.errorType, fault.message, requestId, fault.status);
      sendXml(response, reply.status, reply.body, requestId);
      return;
    }
    const reply = handleSts(form, caller, identities, requestId, new Date(), caller.sourceIPAddress);
    sendXml(response, reply.status, reply.body, requestId);
  }

  /** Out-of-process control, for the standalone bin: read the clock, advance it. */
  async function handleAdmin(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    await readBody(request);
    if (request.method === "POST" && url.pathname === "/_sim/clock/advance") {
      const ms = Number(url.searchParams.get("ms"));
      if (!Number.isFinite(ms) || ms < 0) {
        sendJson(response, 400, { message: "query parameter ms must be a number of milliseconds >= 0" }, requestId, "application/json");
        return;
      }
      clock.advance(ms);
    } else if (!(request.method === "GET" && url.pathname === "/_sim/clock")) {
      sendJson(response, 404, { message: `unknown admin path ${url.pathname}; use GET /_sim/clock or POST /_sim/clock/advance?ms=N` }, requestId, "application/json");
      return;
    }
    sendJson(response, 200, { now: clock.now().toISOString(), pending: clock.pending() }, requestId, "application/json");
  }

  const server = createServer((request, response) => {
    const requestId = randomUUID();
    const scope = parseSigV4Authorization(request.headers.authorization);
    const caller = identities.resolve(scope?.accessKeyId);
    const region = scope?.region ?? fleet.defaultRegion;
    const service = serviceOf(request, scope?.service);
    const work =
      service === "admin" ? handleAdmin(request, response, requestId)
      : service === "ssm" ? handleSsmRequest(request, response, region, requestId)
      : service === "sts" ? handleStsRequest(request, response, caller, requestId)
      : service === "securityhub" ? handleSecurityHubRequest(request, response, caller, region, requestId)
      : handleEks(request, response, caller, region, requestId);
    work.catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { message: `Simulator failure: ${(error as Error).message}` }, requestId, "application/json", "ServerException");
      else response.destroy();
    });
  });
  // Keep connections alive as AWS endpoints do, so that a client's calls share one socket (with a 1 s hint, Node's
  // agent, which keeps a 1 s margin, never reused a socket: a large scan left thousands in TIME_WAIT). The header
  // timeout must be above it. stop() closes the idle connections, so they do not hold it open.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;

  return {
    url,
    port,
    clock,
    faults,
    faultPlan: fleet.faults ?? {},
    calls,
    cloudTrail,
    identities,
    store,
    ssmParameters,
    securityHub,
    durations,
    onCloudTrailEvent: (listener, deliveryOptions) => cloudTrail.subscribe(listener, deliveryOptions),
    failNextUpdate: (plan = {}) => {
      updateFailures.push(plan);
    },
    env: () => ({ AWS_ENDPOINT_URL_EKS: url, AWS_ENDPOINT_URL_SSM: url, AWS_ENDPOINT_URL_STS: url, AWS_ENDPOINT_URL_SECURITYHUB: url }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections and any request still running: stop means stop.
        server.closeAllConnections();
      }),
  };
}
