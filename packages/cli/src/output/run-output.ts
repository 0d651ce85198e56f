// The two ways `eks-warden run` reports a scenario: text for people (alerts as an email subscriber reads them) and
// JSONL for programs (one line per notification, per mutating call the simulator served, per finding imported into
// Security Hub, and at the end per stored state record).
import { oneLine } from "@eks-warden/core";
import type { StoredRuleState } from "@eks-warden/core";
import type { CloudTrailEvent } from "@eks-warden/simulator/index";
import type { CallOutcome, ScenarioSink } from "../scenario/player.ts";
import type { ReceivedNotification } from "@eks-warden/local";

type Write = (text: string) => void;

function indent(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => (line ? `${prefix}${line}` : prefix.trimEnd()))
    .join("\n");
}

/** The cluster a CloudTrail event is about: requestParameters name/clusterName, else the resource ARN. */
export function clusterOfEvent(event: CloudTrailEvent): string | undefined {
  const parameters = event.detail.requestParameters ?? {};
  for (const key of ["name", "clusterName"]) if (typeof parameters[key] === "string") return parameters[key] as string;
  const arn = parameters["resourceArn"];
  if (typeof arn === "string") return /:cluster\/([^/]+)/.exec(arn)?.[1] ?? arn;
  return undefined;
}

function stateLabel(record: StoredRuleState): string {
  if (record.closed) return "CLOSED";
  return record.status === "FAIL" ? `FAIL ${record.severity}` : record.status;
}

export function renderStateTable(records: readonly StoredRuleState[]): string {
  const byCluster = new Map<string, StoredRuleState[]>();
  for (const record of records) byCluster.set(record.clusterArn, [...(byCluster.get(record.clusterArn) ?? []), record]);
  const lines: string[] = [];
  const width = Math.max(7, ...[...byCluster.keys()].map((arn) => arn.replace(/^arn:[^:]+:eks:/, "").length));
  for (const [arn, rules] of byCluster) {
    const label = arn.replace(/^arn:[^:]+:eks:/, "");
    const notPassing = rules.filter((record) => record.closed || (record.status !== "PASS" && record.status !== "NOT_APPLICABLE"));
    if (notPassing.length === 0) {
      lines.push(`${label.padEnd(width)}  every rule PASS`);
      continue;
    }
    notPassing.forEach((record, index) => {
      const exemption = record.status === "EXEMPT" && record.exemption ? ` (until ${record.exemption.until}: ${oneLine(record.exemption.reason, 300)})` : "";
      lines.push(`${(index === 0 ? label : "").padEnd(width)}  ${stateLabel(record).padEnd(13)} ${record.ruleId}${exemption}`);
    });
  }
  return lines.join("\n");
}

export function textSink(write: Write): ScenarioSink {
  return {
    phase(title, line) {
      write(`\n== ${title}${line !== undefined ? `  [line ${line}]` : ""}\n`);
    },
    note(text) {
      write(`\n${indent(text, "# ")}\n`);
    },
    notification(notification: ReceivedNotification) {
      write(`\n  ${notification.attributes["kind"] === "digest" ? "DIGEST" : "ALERT "} ${notification.subject}\n${indent(notification.text, "  |  ")}\n`);
    },
    call() {
      // Text mode shows the caller's view (callOutcome); JSONL lists every served call.
    },
    callOutcome(step, who, outcome: CallOutcome) {
      if (outcome.ok) {
        write(`  ${who} -> ${step.call}: ${outcome.summary}${outcome.expectedErrorMissing ? `  [UNEXPECTED: expected ${outcome.expectedErrorMissing}]` : ""}\n`);
      } else {
        write(`  ${who} -> ${step.call} failed: ${outcome.errorName}: ${outcome.errorMessage}${outcome.expected ? " (as expected)" : step.expectError ? `  [UNEXPECTED: expected ${step.expectError}]` : ""}\n`);
      }
    },
    expectation(step, ok, actual) {
      const { cluster, rule, status, severity } = step.expect;
      const wanted = `${status}${severity ? ` ${severity}` : ""}`;
      const found = actual ? stateLabel(actual) : "no stored state";
      write(ok ? `  ok: ${cluster} ${rule} is ${found}\n` : `  EXPECTATION FAILED: ${cluster} ${rule} is ${found}, expected ${wanted}\n`);
    },
    finalState(records) {
      write(`${indent(renderStateTable(records), "  ")}\n`);
    },
    securityHubFinding(finding) {
      const compliance = (finding["Compliance"] as { Status?: string } | undefined)?.Status ?? "?";
      write(`  Security Hub <- ${oneLine(finding["Id"], 300)} ${compliance}/${oneLine(finding["RecordState"], 20)}\n`);
    },
  };
}

export function jsonlSink(write: Write): ScenarioSink {
  const line = (value: unknown) => write(`${JSON.stringify(value)}\n`);
  return {
    phase() {},
    note() {},
    notification(notification) {
      line({ type: "notification", receivedAt: notification.receivedAt, subject: notification.subject, attributes: notification.attributes, payload: notification.payload ?? notification.remediation ?? notification.digest, text: notification.text });
    },
    call(event) {
      const { detail } = event;
      line({
        type: "call",
        eventTime: detail.eventTime,
        eventId: detail.eventID,
        eventName: detail.eventName,
        account: event.account,
        region: event.region,
        cluster: clusterOfEvent(event),
        actor: detail.userIdentity.arn,
        sourceIp: detail.sourceIPAddress,
        userAgent: detail.userAgent,
        ...(detail.errorCode && { errorCode: detail.errorCode, errorMessage: detail.errorMessage }),
        requestParameters: detail.requestParameters,
      });
    },
    callOutcome() {},
    expectation() {},
    finalState(records) {
      for (const record of records) {
        const { clusterArn, ruleId, status, severity, message, ...rest } = record;
        line({ type: "state", clusterArn, ruleId, status, severity, message, ...rest });
      }
    },
    securityHubFinding(finding) {
      line({ type: "securityhub", finding });
    },
  };
}
