// Plays a validated scenario on a running local system: the sweep at start, then each step; reports everything to a
// sink (the text or JSONL printer). Calls go through the local system's EKS caller (the real EKS SDK client, signed as
// the step's identity) to the simulator over HTTP, exactly as the AWS CLI or the console's backend would reach EKS.
import type { StoredRuleState } from "@eks-warden/core";
import type { LocalSystem, ReceivedNotification } from "@eks-warden/local";
import type { CloudTrailEvent } from "@eks-warden/simulator/index";
import type { Scenario } from "./loader.ts";
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
  /** A finding the deployed functions imported into Security Hub (the simulator's), as it was sent. */
  securityHubFinding(finding: Readonly<Record<string, unknown>>): void;
}

export interface PlayResult {
  readonly failures: readonly string[];
  readonly notifications: number;
  readonly calls: number;
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
  let outcome: CallOutcome;
  try {
    const output = await system.callEks(step.call, step.input, {
      region,
      ...(identity && { credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey } }),
      ...(sourceIp && { sourceIp }),
      ...(identity?.userAgent && { userAgent: identity.userAgent }),
    });
    outcome = { ok: true, summary: summarise(output), ...(step.expectError !== undefined && { expectedErrorMissing: step.expectError }) };
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    outcome = { ok: false, errorName: name, errorMessage: message, expected: step.expectError === name };
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
      return `${step.as ?? "anonymous"}: ${step.call}${typeof target === "string" ? ` ${target}` : ""} (${step.region ?? scenario.fleet.defaultRegion})${step.deliver ? "" : " [its CloudTrail event is lost]"}`;
    }
    case "advance":
      return `advance the clock by ${formatDuration(step.advance)}`;
    case "evaluate":
      return "the daily sweep, now (the deployed sweep handler)";
    case "digest":
      return "the weekly digest, now (the deployed digest handler)";
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
  system.simulator.securityHub.onImport((finding) => sink.securityHubFinding(finding));
  // The sweep evaluates clusters concurrently (a pool), so its alerts arrive in no set order: they are printed by
  // region and cluster (stable, so one cluster's alerts keep their order), for a story that reads the same every run.
  const byCluster = (left: ReceivedNotification, right: ReceivedNotification): number =>
    (left.attributes["region"] ?? "").localeCompare(right.attributes["region"] ?? "") || (left.attributes["cluster"] ?? "").localeCompare(right.attributes["cluster"] ?? "");
  const flush = async (options: { byCluster?: boolean } = {}): Promise<void> => {
    const received = await system.readNotifications();
    for (const notification of options.byCluster ? [...received].sort(byCluster) : received) {
      notifications += 1;
      sink.notification(notification);
    }
  };

  sink.phase("sweep at start: every cluster evaluated by the deployed sweep handler, as its daily schedule does");
  await system.sweep();
  await flush({ byCluster: true });

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
        // A lost event: EKS served the call, CloudTrail's event never reaches the monitor.
        if (step.deliver) await system.deliverEvents();
        else await system.takeEvents();
        break;
      case "advance":
        await system.advance(step.advance);
        break;
      case "evaluate":
        await system.sweep();
        break;
      case "digest":
        await system.digest();
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
