// The alert for a member account EKS Warden could not read (its role could not be assumed): none of its clusters was
// evaluated, so its silence means nothing. Published by the sweep on the alerts topic (kind=coverage), once per run
// while it lasts: a coverage gap is a standing condition, not a transition, and the daily repeat is the reminder.
// The text is a pure function of the JSON payload, so an SQS subscriber can rebuild what the e-mail says. Pure.

import { snsEnvelope, type AlertAttributeName, type SnsEnvelope } from "./envelope.ts";
import { asciiSubject, SUBJECT_MAX } from "./subject.ts";
import { oneLine } from "../text.ts";

export const COVERAGE_PAYLOAD_VERSION = 1;

export interface AccountUnreachableInput {
  readonly account: string;
  readonly roleArn?: string;
  readonly problem: string;
}

export interface CoveragePayload {
  readonly kind: "coverage";
  readonly version: typeof COVERAGE_PAYLOAD_VERSION;
  readonly severity: "HIGH";
  readonly account: string;
  readonly roleArn?: string;
  readonly regions: readonly string[];
  readonly problem: string;
  readonly at: string;
}

export function coveragePayload(input: AccountUnreachableInput, regions: readonly string[], at: Date): CoveragePayload {
  return {
    kind: "coverage",
    version: COVERAGE_PAYLOAD_VERSION,
    severity: "HIGH",
    account: oneLine(input.account, 12),
    ...(input.roleArn ? { roleArn: oneLine(input.roleArn, 200) } : {}),
    regions: regions.map((region) => oneLine(region, 32)),
    problem: oneLine(input.problem, 600),
    at: at.toISOString(),
  };
}

/** What an e-mail subscriber reads. */
export function coverageText(payload: CoveragePayload): string {
  const role = payload.roleArn ?? "(none configured)";
  return `${[
    `UNREADABLE HIGH: EKS Warden could not read account ${payload.account}: no cluster of it was evaluated, in any region.`,
    "",
    `Account:      ${payload.account}`,
    `Role:         ${role}`,
    `Regions:      ${payload.regions.join(", ")}`,
    `Problem:      ${payload.problem}`,
    `When:         ${payload.at} (scheduled sweep)`,
    "",
    "Why it matters: an account the monitor cannot read is not an account without findings; an endpoint opened there is not judged until its role works again. Its stored state is kept as it was, never closed.",
    "",
    "Fix: deploy the member roles to the account (the member-read-role template, through the StackSet), check that their trust policy names the central functions' roles and the external id of policy.accounts (the value of its externalIdParameter, which the central functions must be able to read), then test it:",
    `  aws sts assume-role --role-arn ${role} --role-session-name eks-warden-check --external-id "$(aws ssm get-parameter --with-decryption --name <policy.accounts[].externalIdParameter> --query Parameter.Value --output text)"`,
  ].join("\n")}\n`;
}

export function renderAccountUnreachable(input: AccountUnreachableInput, regions: readonly string[], at: Date): SnsEnvelope<AlertAttributeName> & { readonly text: string; readonly payload: CoveragePayload } {
  const payload = coveragePayload(input, regions, at);
  const text = coverageText(payload);
  const subject = asciiSubject(`[HIGH] account ${payload.account}: EKS Warden cannot read it (role not assumable)`, SUBJECT_MAX, "at-word");
  const attributes = { severity: "HIGH", ruleId: "account-readable", transition: "UNREADABLE", account: payload.account, region: "all", cluster: "all", kind: "coverage" };
  return { ...snsEnvelope(subject, text, JSON.stringify(payload), attributes), text, payload };
}

export interface AccountReadableInput {
  readonly account: string;
  /** The regions read again this run. */
  readonly regions: readonly string[];
}

/** The counterpart of renderAccountUnreachable: the account's role works again, its clusters are evaluated again. */
export function renderAccountReadable(input: AccountReadableInput, at: Date): SnsEnvelope<AlertAttributeName> & { readonly text: string } {
  const account = oneLine(input.account, 12);
  const regions = input.regions.map((region) => oneLine(region, 32));
  const text = `${[
    `READABLE: EKS Warden can read account ${account} again: its clusters were evaluated by this sweep.`,
    "",
    `Account:      ${account}`,
    `Regions:      ${regions.join(", ")}`,
    `When:         ${at.toISOString()} (scheduled sweep)`,
    "",
    "Any change made while the account could not be read was judged by this sweep; its alerts, if any, were sent as for any change.",
  ].join("\n")}\n`;
  const payload = { kind: "coverage", version: COVERAGE_PAYLOAD_VERSION, severity: "INFO", account, regions, state: "covered", at: at.toISOString() };
  const subject = asciiSubject(`[RESOLVED] account ${account}: EKS Warden can read it again`, SUBJECT_MAX, "at-word");
  const attributes = { severity: "INFO", ruleId: "account-readable", transition: "READABLE", account, region: "all", cluster: "all", kind: "coverage" };
  return { ...snsEnvelope(subject, text, JSON.stringify(payload), attributes), text };
}
