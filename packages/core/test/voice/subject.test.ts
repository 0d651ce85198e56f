// Every kind of message the monitor publishes takes its subject from the one builder (voice/subject.ts), so a hostile
// name yields a subject SNS accepts whichever message carries it.
import { describe, expect, it } from "vitest";
import { renderAccountUnreachable } from "../../src/voice/coverage.ts";
import { renderAlert } from "../../src/voice/alert.ts";
import { buildDigest } from "../../src/digest/build.ts";
import { renderDigest } from "../../src/voice/digest.ts";
import type { Finding } from "../../src/model.ts";
import { defaultPolicy } from "../../src/policy.ts";
import { renderRemediationAlert } from "../../src/voice/remediation.ts";
import type { Transition } from "../../src/state/transitions.ts";
import { readDeadLetter } from "../../src/tamper/dead-letter.ts";
import { readTamperCall } from "../../src/tamper/notice.ts";
import { renderDeadLetterAlert } from "../../src/voice/dead-letter.ts";
import { renderSelfAudit, renderTamperAlert } from "../../src/voice/tamper.ts";
import { asciiSubject, SUBJECT_MAX } from "../../src/voice/subject.ts";

const NOW = new Date("2026-12-07T08:00:00Z");
/** 300 characters, with every kind of character a subject must not carry: line breaks, C0 and C1 controls, bidi and zero-width marks, separators. */
const HOSTILE = `evil\r\n[CRITICAL] all clear\u0007\u0085\u061C\u200E\u202E\u2066\uFEFF\u200B\u2028\u2029\u00A0é😀${"x".repeat(300)}`.slice(0, 300);
const cluster = { arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${HOSTILE}`, account: "111122223333", region: "eu-west-1", name: HOSTILE };
/** Printable ASCII only: SNS refuses a subject with any other character (the cut mark included), and the message with it. */
const SNS_SUBJECT = /^[\x20-\x7e]+$/;

const finding: Finding = { ruleId: "endpoint-public-access", clusterArn: cluster.arn, status: "FAIL", severity: "CRITICAL", message: `${HOSTILE}.`, evidence: {}, remediation: { text: "t", command: "c" } };
const opened: Transition = { kind: "OPENED", clusterArn: cluster.arn, ruleId: finding.ruleId, after: { status: "FAIL", severity: "CRITICAL", evidence: {} }, finding };

const subjects: Record<string, string> = {
  alert: renderAlert({ transition: opened, cluster, cause: { trigger: "sweep" }, evaluatedAt: NOW }).subject,
  coverage: renderAccountUnreachable({ account: HOSTILE, problem: HOSTILE }, ["eu-west-1"], NOW).subject,
  remediation: renderRemediationAlert({ outcome: "CONFLICT", cluster, severity: "CRITICAL", opened: {}, attempts: 3, at: NOW }).subject,
  tamper: renderTamperAlert(readTamperCall({ detail: { eventSource: "events.amazonaws.com", eventName: HOSTILE, requestParameters: { name: HOSTILE } } })).subject,
  heartbeat: renderSelfAudit({ checks: 3, deviations: [{ resource: HOSTILE, expected: HOSTILE, found: HOSTILE }], notChecked: [HOSTILE] }, { region: HOSTILE }, NOW).subject,
  "dead-letter": renderDeadLetterAlert(
    readDeadLetter({ source: "cluster-event", messageId: "m-1", body: JSON.stringify({ detail: { eventName: HOSTILE, requestParameters: { name: HOSTILE } } }), attributes: {} }),
    { queueName: "archive", retentionDays: 14 },
  ).subject,
  digest: renderDigest({ ...buildDigest({ sweep: { startedAt: NOW, endedAt: NOW, regions: [], clusters: [], closed: [], alertsPublished: 0, unreachableAccounts: [] }, previous: undefined, policy: defaultPolicy(), now: NOW }).report, week: HOSTILE }).subject,
};

describe("the subject of every kind of message", () => {
  it.each(Object.entries(subjects))("%s: a hostile 300-character name gives at most 100 printable characters on one line", (_kind, subject) => {
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject, JSON.stringify(subject)).toMatch(SNS_SUBJECT);
    expect(subject).toContain("evil");
  });
});

describe("the subject builder", () => {
  it("keeps a subject that fits as it is", () => {
    expect(asciiSubject("[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0")).toBe("[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0");
  });

  it("cuts at a word, or at the limit when no word ends near it", () => {
    const words = `[HIGH] ${"word ".repeat(30)}`;
    expect(asciiSubject(words, SUBJECT_MAX, "at-word")).toBe(`[HIGH] ${"word ".repeat(18).trim()}...`);
    expect(asciiSubject(`[HIGH] ${"x".repeat(200)}`, SUBJECT_MAX, "at-word")).toBe(`[HIGH] ${"x".repeat(90)}...`);
    expect(asciiSubject(words)).toBe(`${words.slice(0, 97)}...`);
  });
});
