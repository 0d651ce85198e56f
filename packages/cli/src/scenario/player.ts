// Plays a validated scenario on a running local system: the sweep at start, then each step; reports everything to a
// sink (the text or JSONL printer). Calls go through the real EKS SDK client, signed as the step's identity, to the
// simulator over HTTP, exactly as the AWS CLI or the console's backend would reach EKS.
import * as eksSdk from "@aws-sdk/client-eks";
import type { StoredRuleState } from "@eks-warden/core/state/transitions";
import type { CloudTrailEvent } from "@eks-warden/simulator/index";
import type { ReceivedNotification } from "../output/notifications.ts";
import type { LocalSystem } from "./local-system.ts";
import type { Scenario, ScenarioIdentity } from "./loader.ts";
import { formatDuration, type Step } from "./schema.ts";

type StepOf<K extends Step["kind"]> = Extract<Step, { kind: K }>;

export type CallOutcome =
  | { readonly ok: true; readonly summary: string; readonly expectedErrorMissing?: string }
  | { readonly ok: false; readonly errorName: string; readonly errorMessage: string; readonly expected: boolean };

export interface ScenarioSink {
  /** A new part of the scenario: the sweep at start, a step (with its line), the end. */
  phase(title: string, line?: number): void;
  note(text: string): void;
  notification(notification: ReceivedNotification): void;
  /** A mutating call the simulator served (a CloudTrail event), whoever made it. */
  call(event: CloudTrailEvent): void;
  callOutcome(step: StepOf<"call">, who: string, outcome: CallOutcome): void;
  expectation(step: StepOf<"expect">, ok: boolean, actual: StoredRuleState | undefined): void;
  finalState(records: readonly StoredRuleState[]): void;
}

export interface PlayResult {
  readonly failures: readonly string[];
  readonly notifications: number;
  readonly calls: number;
}

function clientFor(system: LocalSystem, identity: ScenarioIdentity | undefined, region: string, sourceIp: string | undefined): eksSdk.EKSClient {
  const client = new eksSdk.EKSClient({
    region,
    endpoint: system.simulator.url,
    credentials: identity ? { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey } : { accessKeyId: "AKIASCENARIOANONYMOU", secretAccessKey: "anonymous" },
    // One attempt: a scenario shows what EKS answered, not what a retry made of it.
    maxAttempts: 1,
  });
  const userAgent = identity?.userAgent;
  if (sourceIp || userAgent) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) {
          // The simulator records this as CloudTrail's sourceIPAddress (a local call has no public address).
          if (sourceIp) request.headers["x-sim-source-ip"] = sourceIp;
          if (userAgent) request.headers["user-agent"] = userAgent;
        }
        return next(args);
      },
      { step: "finalizeRequest", name: "scenarioCallerMiddleware", priority: "low" },
    );
  }
  return client;
}

/** What a successful call answered, in a few words. */
function summarise(output: Record<string, unknown>): string {
  const update = output["update"] as { id?: string; status?: string; type?: string } | undefined;
  if (update?.id) return `update ${update.id} ${update.status ?? ""} (${update.type ?? "update"})`.replace(/\s+/g, " ");
  const cluster = output["cluster"] as { name?: string; status?: string } | undefined;
  if (cluster?.name) return `cluster ${cluster.name} ${cluster.status ?? ""}`.trim();
  const keys = Object.keys(output).filter((key) => key !== "$metadata");
  return keys.length === 0 ? "done" : `answered ${keys.join(", ")}`;
}

async function playCall(step: StepOf<"call">, scenario: Scenario, system: LocalSystem, sink: ScenarioSink): Promise<string | undefined> {
  const identity = step.as === undefined ? undefined : scenario.identities.get(step.as);
  const region = step.region ?? scenario.fleet.defaultRegion;
  const sourceIp = step.sourceIp ?? identity?.sourceIp;
  const who = `${identity?.name ?? "anonymous"}${sourceIp ? ` (${sourceIp})` : ""}`;
  // Any operation the simulator serves: the SDK's own command class of that name (validated when the file loaded).
  const CommandClass = (eksSdk as unknown as Record<string, (new (input: unknown) => Parameters<eksSdk.EKSClient["send"]>[0]) | undefined>)[`${step.call}Command`];
  if (!CommandClass) throw new Error(`the EKS SDK has no ${step.call}Command`);
  const client = clientFor(system, identity, region, sourceIp);
  let outcome: CallOutcome;
  try {
    const output = (await client.send(new CommandClass(step.input))) as unknown as Record<string, unknown>;
    outcome = { ok: true, summary: summarise(output), ...(step.expectError !== undefined && { expectedErrorMissing: step.expectError }) };
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    outcome = { ok: false, errorName: name, errorMessage: message, expected: step.expectError === name };
  } finally {
    client.destroy();
  }
  sink.callOutcome(step, who, outcome);
  if (outcome.ok && outcome.expectedErrorMissing) return `line ${step.line}: ${step.call} succeeded, but the scenario expected ${outcome.expectedErrorMissing}`;
  if (!outcome.ok && step.expectError !== undefined && !outcome.expected) return `line ${step.line}: ${step.call} failed with ${outcome.errorName}, but the scenario expected ${step.expectError}`;
  return undefined;
}

async function playExpect(step: StepOf<"expect">, scenario: Scenario, system: LocalSystem, sink: ScenarioSink): Promise<string | undefined> {
  const { cluster, rule, status, severity } = step.expect;
  const region = step.expect.region;
  const account = step.expect.account;
  const matches = (record: StoredRuleState) => {
    const [, , , recordRegion, recordAccount, resource] = record.clusterArn.split(":");
    return resource === `cluster/${cluster}` && record.ruleId === rule && (region === undefined || recordRegion === region) && (account === undefined || recordAccount === account);
  };
  const fleetEntry = scenario.fleet.clusters.find((entry) => entry.cluster["name"] === cluster && (region === undefined || entry.region === region));
  const extra = fleetEntry ? [String(fleetEntry.cluster["arn"] ?? `arn:aws:eks:${fleetEntry.region}:${fleetEntry.account}:cluster/${cluster}`)] : [];
  const actual = (await system.storedState(extra)).find(matches);
  const ok = actual !== undefined && !actual.closed && actual.status === status && (severity === undefined || actual.severity === severity);
  sink.expectation(step, ok, actual);
  if (ok) return undefined;
  const found = actual ? `${actual.status}${actual.status === "FAIL" ? ` (${actual.severity})` : ""}${actual.closed ? ", closed" : ""}` : "no stored state";
  return `line ${step.line}: expected ${cluster} ${rule} to be ${status}${severity ? ` (${severity})` : ""}, found ${found}`;
}

function stepTitle(step: Step, scenario: Scenario): string {
  switch (step.kind) {
    case "call": {
      const target = step.input["name"] ?? step.input["clusterName"] ?? step.input["resourceArn"];
      return `${step.as ?? "anonymous"}: ${step.call}${typeof target === "string" ? ` ${target}` : ""} (${step.region ?? scenario.fleet.defaultRegion})`;
    }
    case "advance":
      return `advance the clock by ${formatDuration(step.advance)}`;
    case "evaluate":
      return "evaluate every cluster now (as the daily sweep does)";
    case "expect":
      return `check ${step.expect.cluster} ${step.expect.rule}`;
    case "note":
      return "note";
  }
}

export async function playScenario(scenario: Scenario, system: LocalSystem, sink: ScenarioSink): Promise<PlayResult> {
  const failures: string[] = [];
  let notifications = 0;
  let calls = 0;
  system.onCall((event) => {
    calls += 1;
    sink.call(event);
  });
  const flush = async (): Promise<void> => {
    for (const notification of await system.readNotifications()) {
      notifications += 1;
      sink.notification(notification);
    }
  };

  sink.phase("sweep at start: every cluster evaluated, as the daily sweep does");
  await system.sweep();
  await flush();

  for (const step of scenario.steps) {
    if (step.kind === "note") {
      sink.note(step.note);
      continue;
    }
    sink.phase(stepTitle(step, scenario), step.line);
    let failure: string | undefined;
    switch (step.kind) {
      case "call":
        failure = await playCall(step, scenario, system, sink);
        await system.deliverEvents();
        break;
      case "advance":
        await system.advance(step.advance);
        break;
      case "evaluate":
        await system.sweep();
        break;
      case "expect":
        failure = await playExpect(step, scenario, system, sink);
        break;
    }
    if (failure) failures.push(failure);
    await flush();
  }

  sink.phase("end: the stored state of every cluster and rule");
  sink.finalState(await system.storedState());
  const dead = await system.deadLetters();
  if (dead > 0) failures.push(`${dead} settle check(s) ended in the dead-letter queue`);
  return { failures, notifications, calls };
}
