import { describe, it, expect } from "vitest";
import { evaluate } from "../../src/engine.ts";
import type { ClusterSnapshot, EvaluationContext, Finding } from "../../src/model.ts";
import { parsePolicy } from "../../src/policy.ts";
import { ruleById } from "../../src/rules/index.ts";
import { cluster as helperCluster, context, NOW, publicEndpoint } from "../rules/helpers.ts";
import { alertSummary, renderAlert, type AlertInput } from "../../src/voice/alert.ts";
import { publishedBytes, SNS_MESSAGE_MAX_BYTES } from "../../src/voice/envelope.ts";
import { SUBJECT_MAX } from "../../src/voice/subject.ts";
import { parseClusterEvent } from "../../src/events/cloudtrail.ts";
import { effectiveRemediation } from "../../src/remediation/plan.ts";
import type { Transition } from "../../src/state/transitions.ts";
import { CREATE_CLUSTER_OPEN_WORLD, eventBridgeEnvelope, readCloudTrailRecord } from "../../../../test/fixtures/index.ts";

const cluster = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod", account: "111122223333", region: "eu-west-1", name: "payments-prod" };
// The endpoint rule as the alert sees it: its title, risk, frameworks and its own headline.
const rule = { headline: ruleById("endpoint-public-access")!.headline, title: "EKS API endpoint not reachable from the internet", risk: "A public endpoint exposes the Kubernetes API to leaked credentials and zero-days.", frameworks: ["CIS-EKS 5.4.2", "FSBP EKS.1"] };
const openFinding: Finding = {
  ruleId: "endpoint-public-access",
  clusterArn: cluster.arn,
  status: "FAIL",
  severity: "CRITICAL",
  message: "Cluster payments-prod (eu-west-1) has its API endpoint open to 0.0.0.0/0.",
  evidence: { publicAccess: true, privateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] },
  remediation: { text: "Turn public access off.", command: "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true" },
};
const opened: Transition = {
  kind: "OPENED",
  clusterArn: cluster.arn,
  ruleId: openFinding.ruleId,
  before: { status: "PASS", severity: "INFO", evidence: { publicAccess: false, privateAccess: true, publicAccessCidrs: [] } },
  after: { status: "FAIL", severity: "CRITICAL", evidence: openFinding.evidence },
  finding: openFinding,
};
const event = parseClusterEvent(eventBridgeEnvelope(readCloudTrailRecord(CREATE_CLUSTER_OPEN_WORLD)));
const cause = { trigger: "event" as const, eventId: event.eventId, eventName: "UpdateClusterConfig", actor: event.actor, sourceIp: event.sourceIp, userAgent: event.userAgent, eventTime: event.eventTime };
const input: AlertInput = { transition: opened, cluster, cause, rule, evaluatedAt: new Date("2026-01-05T10:00:03Z") };

describe("renderAlert", () => {
  it("gives the design's subject for an opened endpoint", () => {
    expect(renderAlert(input).subject).toBe("[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0");
  });

  it("tells a person what changed, who, from where, when, why, and the fix", () => {
    const { text } = renderAlert(input);
    expect(text).toContain("What changed: PASS -> FAIL (CRITICAL)");
    expect(text).toContain("publicAccess: false -> true");
    expect(text).toContain('publicAccessCidrs: [] -> ["0.0.0.0/0"]');
    expect(text).toContain("arn:aws:iam::999999999999:user/alice (IAMUser alice)");
    expect(text).toContain("Source IP:    115.142.120.217");
    expect(text).toContain("Chrome/121");
    expect(text).toContain("2024-03-08T14:09:42.000Z (CloudTrail UpdateClusterConfig 11c209ea-98e1-4db6-99e3-76d0b7e005f7)");
    expect(text).toContain(`Why it matters: ${rule.risk}`);
    expect(text).toContain(openFinding.remediation.command);
    expect(text).not.toContain("EXAMPLE6E4XEGITWATV6R" + "\n"); // the principal id may show, the access key id field never does
    expect(JSON.stringify(renderAlert(input))).not.toContain("accessKeyId");
  });

  it("uses MessageStructure json: text for email/default, the full JSON for machines, and filterable attributes", () => {
    const alert = renderAlert(input);
    expect(alert.messageStructure).toBe("json");
    const bodies = JSON.parse(alert.message) as Record<string, string>;
    expect(bodies.default).toBe(alert.text);
    expect(bodies.email).toBe(alert.text);
    const payload = JSON.parse(bodies.sqs!) as Record<string, unknown>;
    expect(payload).toMatchObject({ kind: "alert", transition: "OPENED", severity: "CRITICAL", ruleId: "endpoint-public-access", cause: { sourceIp: "115.142.120.217", actor: { userName: "alice" } } });
    expect(bodies.lambda).toBe(bodies.sqs);
    expect(bodies.https).toBe(bodies.sqs);
    expect(alert.attributes).toEqual({ severity: "CRITICAL", ruleId: "endpoint-public-access", transition: "OPENED", account: "111122223333", region: "eu-west-1", cluster: "payments-prod", kind: "alert" });
  });

  it("marks the early alert as a change in progress", () => {
    const alert = renderAlert({ ...input, transition: { ...opened, inProgress: true } });
    expect(alert.subject).toBe("[CRITICAL] [CHANGE IN PROGRESS] payments-prod (eu-west-1): EKS API endpoint opening to 0.0.0.0/0");
    expect(alert.text.startsWith("CHANGE IN PROGRESS: UpdateClusterConfig")).toBe(true);
    expect(alert.payload.inProgress).toBe(true);
  });

  it("a resolution is filed under the severity it resolves, without a fix command", () => {
    const resolved: Transition = {
      ...opened,
      kind: "RESOLVED",
      before: opened.after,
      after: { status: "PASS", severity: "INFO", evidence: { publicAccess: false, privateAccess: true, publicAccessCidrs: [] } },
      finding: { ...openFinding, status: "PASS", severity: "INFO", message: "Cluster payments-prod (eu-west-1) has a private API endpoint." },
    };
    const alert = renderAlert({ ...input, transition: resolved });
    // What was wrong, not the rule's title.
    expect(alert.subject).toBe("[RESOLVED] payments-prod (eu-west-1): resolved: EKS API endpoint open to 0.0.0.0/0");
    expect(alert.attributes.severity).toBe("CRITICAL");
    expect(alert.text).toContain("What changed: FAIL (CRITICAL) -> PASS");
    expect(alert.text).not.toContain("Fix:");
    const correcting = renderAlert({ ...input, transition: { ...resolved, correcting: true } });
    expect(correcting.text.startsWith("CORRECTION:")).toBe(true);
    expect(correcting.subject.startsWith("[RESOLVED] payments-prod (eu-west-1): change did not take effect: EKS API")).toBe(true);
  });

  it("lists only evidence that changed, whatever the key order stored evidence comes back in", () => {
    const before = { ...opened.after, evidence: { defaulted: { publicAccess: false, privateAccess: false, publicAccessCidrs: true }, publicAccess: true, worldOpenCidrs: ["0.0.0.0/0"] } };
    const escalated: Transition = {
      ...opened,
      kind: "ESCALATED",
      before,
      after: { ...opened.after, evidence: { worldOpenCidrs: ["0.0.0.0/0", "::/0"], publicAccess: true, defaulted: { publicAccessCidrs: true, privateAccess: false, publicAccess: false } } },
    };
    const text = renderAlert({ ...input, transition: escalated }).text;
    expect(text).toContain('worldOpenCidrs: ["0.0.0.0/0"] -> ["0.0.0.0/0","::/0"]');
    expect(text).not.toContain("defaulted:");
    expect(text).not.toContain("publicAccess: true -> true");
  });

  it("keeps the subject within SNS's 100 characters and explains sweep findings and exemptions", () => {
    const longName = { ...cluster, name: "c".repeat(90) };
    const subject = renderAlert({ ...input, cluster: longName }).subject;
    expect(subject.length).toBe(SUBJECT_MAX);
    expect(subject.endsWith("...")).toBe(true);
    const exemption = { until: "2026-01-31", reason: "migration", source: "tag" as const, expired: false };
    const exempted: Transition = { ...opened, kind: "EXEMPTED", after: { ...opened.after, status: "EXEMPT" }, finding: { ...openFinding, status: "EXEMPT", exemption } };
    const alert = renderAlert({ ...input, transition: exempted, cause: { trigger: "sweep" }, rule: undefined });
    // Filed under the severity it hides, so a subscriber filtering on CRITICAL sees it.
    expect(alert.subject).toBe("[EXEMPT CRITICAL] payments-prod (eu-west-1): exempt until 2026-01-31: endpoint-public-access");
    expect(alert.attributes).toMatchObject({ severity: "CRITICAL", transition: "EXEMPTED" });
    expect(alert.text).toContain("no CloudTrail event: found by the scheduled sweep");
    expect(alert.text).toContain("Exemption:    until 2026-01-31 (tag): migration");
    expect(alert.text).toContain("What changed: PASS -> EXEMPT");
  });

  it("summarises non-endpoint rules by title and kind, and unknown actors plainly", () => {
    const versionFinding: Finding = { ...openFinding, ruleId: "version-support", severity: "HIGH", evidence: { version: "1.29" } };
    const errored: Transition = { kind: "ERRORED", clusterArn: cluster.arn, ruleId: "version-support", after: { status: "ERROR", severity: "HIGH", evidence: {} }, finding: { ...versionFinding, status: "ERROR" } };
    expect(alertSummary(errored, { title: "Kubernetes version in standard support" })).toBe("cannot evaluate: Kubernetes version in standard support");
    const alert = renderAlert({ ...input, transition: errored, cause: { trigger: "settle", eventId: "e1" }, rule: { ...rule, title: "Kubernetes version supported", frameworks: [] } });
    expect(alert.subject).toBe("[HIGH] payments-prod (eu-west-1): cannot evaluate: Kubernetes version supported");
    expect(alert.text).toContain("What changed: not evaluated before -> ERROR");
    expect(alert.text).toContain("Who:          unknown (no CloudTrail identity)");
    expect(alert.text).toContain("When:         unknown");
    const viaRole = renderAlert({ ...input, cause: { ...cause, actor: { type: "AssumedRole", principalId: "AROA:x", sessionIssuer: { arn: "arn:aws:iam::1:role/Admin" }, invokedBy: "eks.amazonaws.com" } } });
    expect(viaRole.text).toContain("AROA:x (AssumedRole, session of arn:aws:iam::1:role/Admin, invoked by eks.amazonaws.com)");
  });
});

describe("alert subjects from the rules' own findings", () => {
  const subjectFor = (ruleId: string, snapshot: ClusterSnapshot, evaluationContext: EvaluationContext = context()) => {
    const rule = ruleById(ruleId)!;
    const [finding] = evaluate(snapshot, parsePolicy({}), evaluationContext, [rule]) as [Finding];
    const transition: Transition = { kind: "OPENED", clusterArn: snapshot.arn, ruleId, after: { status: finding.status, severity: finding.severity, evidence: finding.evidence }, finding };
    return renderAlert({ transition, cluster: snapshot, cause: { trigger: "sweep" }, rule, evaluatedAt: NOW }).subject;
  };

  it("say which version is in paid extended support and since when, not the rule's title", () => {
    expect(subjectFor("version-support", helperCluster({ version: "1.33" }))).toBe("[HIGH] payments-prod (eu-west-1): Kubernetes 1.33 in paid extended support since 2026-07-29");
  });

  it("say what is open, off or missing for the other rules", () => {
    expect(subjectFor("endpoint-public-access", helperCluster({ endpoint: publicEndpoint(["0.0.0.0/0"]) }))).toBe("[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0");
    expect(subjectFor("control-plane-audit-logging", helperCluster({ logging: { enabledTypes: [], disabledTypes: ["audit"] } }))).toBe(
      "[MEDIUM] payments-prod (eu-west-1): Kubernetes audit log not sent to CloudWatch Logs",
    );
    expect(subjectFor("exemption-tag-valid", helperCluster({ tags: { "eks-warden:exempt": "endpoint-public-access reason=x" } }))).toBe(
      "[MEDIUM] payments-prod (eu-west-1): exemption ignored: has no until=YYYY-MM-DD",
    );
  });

  it("follow the version's support status, and fall back to the title when the rule cannot say", () => {
    const headline = ruleById("version-support")!.headline!;
    expect(headline({ evidence: { version: "1.29", versionStatus: "UNSUPPORTED", endOfExtendedSupportDate: "2026-03-23" } })).toBe("Kubernetes 1.29 out of all support since 2026-03-23");
    expect(headline({ evidence: { version: "1.29", versionStatus: "UNSUPPORTED" } })).toBe("Kubernetes 1.29 out of all support");
    expect(headline({ evidence: { version: "1.33", versionStatus: "EXTENDED_SUPPORT" } })).toBe("Kubernetes 1.33 in paid extended support");
    expect(headline({ evidence: { version: "1.34", versionStatus: "STANDARD_SUPPORT", endOfStandardSupportDate: "2026-12-02" } })).toBe("Kubernetes 1.34 leaves standard support on 2026-12-02");
    expect(headline({ evidence: { version: "1.34", versionStatus: "STANDARD_SUPPORT" } })).toBeUndefined();
    expect(ruleById("version-drift")!.headline!({ evidence: { version: "1.31", newestStandardSupportVersion: "1.34", minorVersionsBehind: 3 } })).toBe("Kubernetes 1.31 is 3 minor versions behind 1.34");
    expect(ruleById("extended-support-enrollment")!.headline!({ evidence: { version: "1.32", versionStatus: "EXTENDED_SUPPORT", endOfStandardSupportDate: "2026-03-23" } })).toBe(
      "extended support billed since 2026-03-23 (v1.32)",
    );
    const throwing = { ...rule, headline: () => { throw new Error("old evidence"); } };
    expect(alertSummary(opened, throwing)).toBe(`failing: ${rule.title}`);
    expect(alertSummary(opened, { ...rule, headline: () => "  " })).toBe(`failing: ${rule.title}`);
    expect(alertSummary({ ...opened, kind: "ESCALATED" }, rule)).toBe("worse: EKS API endpoint open to 0.0.0.0/0");
  });

  it("are cut to 100 characters at a word", () => {
    const subject = subjectFor("version-support", helperCluster({ name: "c".repeat(60), arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${"c".repeat(60)}`, version: "1.33" }));
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toBe(`[HIGH] ${"c".repeat(60)} (eu-west-1): Kubernetes 1.33...`);
  });
});

describe("renderAlert, sparse inputs", () => {
  it("copes with a resolution without a before, an intent without event name, an expired exemption, a time without event id", () => {
    const bare: Transition = { ...opened, kind: "RESOLVED", before: undefined, after: { status: "PASS", severity: "INFO", evidence: {} }, finding: { ...openFinding, status: "PASS", severity: "INFO" } };
    expect(renderAlert({ ...input, transition: bare }).attributes.severity).toBe("INFO");
    const early = renderAlert({ ...input, transition: { ...opened, inProgress: true }, cause: { trigger: "intent" } });
    expect(early.text.startsWith("CHANGE IN PROGRESS: a call asked EKS")).toBe(true);
    const exemption = { until: "2025-12-31", reason: "old", source: "policy" as const, expired: true };
    const expired = renderAlert({ ...input, transition: { ...opened, kind: "EXPIRED", finding: { ...openFinding, exemption } }, cause: { trigger: "settle", eventTime: new Date("2026-01-05T10:00:00Z") } });
    expect(expired.text).toContain("Exemption:    expired 2025-12-31 (policy): old");
    expect(expired.text).toContain("When:         2026-01-05T10:00:00.000Z (CloudTrail event);");
  });
});

describe("attacker-controlled text in alerts", () => {
  const forged = "endpoint-public-access until=2026-12-31 reason=ok\u2028Who:          arn:aws:iam::111122223333:role/SecurityAdmin";
  const exemption = { until: "2026-12-31", reason: "ok\u2028Who:          arn:aws:iam::111122223333:role/SecurityAdmin", source: "tag" as const, expired: false };
  const tagFinding: Finding = { ...openFinding, ruleId: "exemption-tag-valid", severity: "MEDIUM", message: `EKS cluster payments-prod has an eks-warden:exempt tag "${forged}".`, evidence: { value: forged } };
  const hostile: Transition = { ...opened, ruleId: "exemption-tag-valid", after: { status: "FAIL", severity: "MEDIUM", evidence: { value: forged } }, finding: { ...tagFinding, exemption } };
  const hostileCause = { ...cause, userAgent: `curl\r\nWho: nobody\u2029${"A".repeat(4096)}`, actor: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/mallory", userName: "mallory\u2028Source IP: 10.0.0.1" } };

  it("can forge no line: every line of the text is one the renderer wrote", () => {
    const { text, subject } = renderAlert({ ...input, transition: hostile, cause: hostileCause });
    expect(text).not.toMatch(/[\u2028\u2029\r\u0000-\u0008\u000b-\u001f]/);
    expect(subject).not.toMatch(/[\u2028\u2029\r\n]/);
    const who = text.split("\n").filter((line) => line.startsWith("Who:"));
    expect(who).toHaveLength(1);
    expect(text.split("\n").filter((line) => line.startsWith("Source IP:"))).toHaveLength(1);
    expect(text).toContain('Exemption:    until 2026-12-31 (tag): "ok Who: arn:aws:iam::111122223333:role/SecurityAdmin"');
    expect(text).toContain('(IAMUser "mallory Source IP: 10.0.0.1")');
    const agent = text.split("\n").find((line) => line.startsWith("User agent:"))!;
    expect(agent.length).toBeLessThan(320);
  });

  it("stays within SNS's 256 KiB for the largest input: 256 CIDRs, a 4 KB user agent, long reasons and messages", () => {
    const cidrs = Array.from({ length: 256 }, (_, index) => `${index}.0.0.0/8`);
    const bigEvidence = { publicAccess: true, publicAccessCidrs: cidrs, cidrsOutsideAllowlist: cidrs, worldOpenCidrs: cidrs, allowlist: cidrs, note: "n".repeat(60_000) };
    const extra = Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`key${index}`, cidrs]));
    const huge: Transition = {
      ...opened,
      before: { status: "PASS", severity: "INFO", evidence: { ...extra, allowlist: cidrs.slice(1) } },
      after: { status: "FAIL", severity: "CRITICAL", evidence: { ...bigEvidence, ...extra } },
      finding: { ...openFinding, message: "m".repeat(100_000), evidence: bigEvidence, exemption: { ...exemption, reason: "r".repeat(100_000) } },
    };
    const alert = renderAlert({ ...input, transition: huge, cause: { ...hostileCause, userAgent: "u".repeat(4096) } });
    expect(publishedBytes(alert)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(alert.text).toContain("… and 240 more");
    expect((alert.payload.after.evidence.publicAccessCidrs as string[]).at(-1)).toBe("… and 224 more");
    // The common case is untouched by the last-resort trim.
    expect(renderAlert(input).payload.after.evidence).toEqual(opened.after.evidence);
  });

  it("drops the evidence rather than the alert when even the bounded message is too large", () => {
    const cidrs = Array.from({ length: 32 }, () => "x".repeat(1024));
    const extra = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`key${index}`, cidrs]));
    const huge: Transition = { ...opened, after: { status: "FAIL", severity: "CRITICAL", evidence: extra }, finding: { ...openFinding, evidence: extra } };
    const alert = renderAlert({ ...input, transition: huge });
    expect(publishedBytes(alert)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(alert.payload.after.evidence).toEqual({ omitted: expect.stringContaining("too large") });
  });
});


describe("the effective auto-remediation in the endpoint's alerts", () => {
  const LEAD_ROLE = "arn:aws:iam::111122223333:role/PlatformLead";
  const LEAD = "arn:aws:sts::111122223333:assumed-role/PlatformLead/dana";
  const MALLORY = "arn:aws:iam::111122223333:user/mallory";
  const enforce = parsePolicy({ remediation: { mode: "enforce", overrideTags: [LEAD_ROLE] } });
  const dryRun = parsePolicy({ remediation: { mode: "dry-run", action: "private", overrideTags: [LEAD_ROLE] } });
  /** The override tag `value`, set by `who` (recorded from its TagResource). */
  const tagged = (policy: typeof enforce, value: string, who = LEAD) =>
    effectiveRemediation(policy, { "eks-warden:remediation": value }, { value, principals: who === LEAD ? [LEAD, LEAD_ROLE] : [who], at: "2026-03-01T11:00:00Z", eventId: "t" });
  const resolved: Transition = { ...opened, kind: "RESOLVED", before: opened.after, after: { status: "PASS", severity: "INFO", evidence: {} } };
  const remediationLines = (text: string) => text.split("\n").filter((line) => line.startsWith("Remediation:"));

  it("names the policy's mode and action when the cluster has no override tag", () => {
    const alert = renderAlert({ ...input, autoRemediation: effectiveRemediation(enforce, {}) });
    expect(remediationLines(alert.text)).toEqual(["Remediation:  enforce, private (policy)"]);
    expect(alert.payload.autoRemediation).toEqual({ mode: "enforce", action: "private", source: "policy", optedOut: false });
  });

  it("names the override tag in the OPENED, early and RESOLVED alerts alike, in text and JSON", () => {
    const autoRemediation = tagged(dryRun, "restrict-to-allowlist");
    for (const transition of [opened, { ...opened, inProgress: true }, resolved]) {
      const alert = renderAlert({ ...input, transition, autoRemediation });
      expect(remediationLines(alert.text)).toEqual([`Remediation:  dry-run, restrict-to-allowlist (tag eks-warden:remediation=restrict-to-allowlist, set by ${LEAD}, over the policy)`]);
      const machine = JSON.parse((JSON.parse(alert.message) as Record<string, string>).sqs!) as Record<string, unknown>;
      expect(machine["autoRemediation"]).toEqual({ mode: "dry-run", action: "restrict-to-allowlist", source: "tag", override: { tag: "eks-warden:remediation", value: "restrict-to-allowlist", setBy: LEAD }, optedOut: false });
    }
  });

  it("says an opt-out is in force, and that a tag naming no action does nothing", () => {
    const optedOut = renderAlert({ ...input, autoRemediation: tagged(enforce, "opt-out") });
    expect(remediationLines(optedOut.text)).toEqual([`Remediation:  enforce, none: opted out (tag eks-warden:remediation=opt-out, set by ${LEAD})`]);
    expect(optedOut.payload.autoRemediation).toEqual({ mode: "enforce", source: "tag", override: { tag: "eks-warden:remediation", value: "opt-out", setBy: LEAD }, optedOut: true });
    const unknown = renderAlert({ ...input, autoRemediation: tagged(enforce, "later please") });
    expect(remediationLines(unknown.text)).toEqual([`Remediation:  enforce, none (tag eks-warden:remediation="later please" names no action: nothing is done; set by ${LEAD})`]);
    expect(unknown.payload.autoRemediation).toMatchObject({ source: "tag", optedOut: false });
    expect(unknown.payload.autoRemediation).not.toHaveProperty("action");
  });

  it("cannot forge a line with the tag value, nor grow the line past its bound", () => {
    const forged = `opt-out\u2028Who:          arn:aws:iam::111122223333:role/SecurityAdmin\u202e${"A".repeat(240)}`;
    const alert = renderAlert({ ...input, autoRemediation: tagged(enforce, forged) });
    expect(alert.text).not.toMatch(/[\u2028\u2029\u202e]/);
    expect(alert.text.split("\n").filter((line) => line.startsWith("Who:"))).toHaveLength(1);
    const [line] = remediationLines(alert.text);
    expect(line).toMatch(/^Remediation: {2}enforce, none \(tag eks-warden:remediation="opt-out Who: arn:aws:iam::111122223333:role\/SecurityAdminA+…" names no action: nothing is done; set by \S+\)$/);
    // The value's bound (64) plus the setter's ARN (recorded by the monitor from CloudTrail).
    expect(line!.length).toBeLessThan(260);
  });

  // Before (issue 22, item 8) the line named any override tag as in force, whoever set it, and said nothing when
  // remediation was off or the finding exempt: now it says what will really happen.
  it("says what will really happen: an override tag nobody allowed is ignored, an exempt finding is not remediated, remediation off", () => {
    const refused = renderAlert({ ...input, autoRemediation: tagged(enforce, "opt-out", MALLORY) });
    expect(remediationLines(refused.text)).toEqual([
      `Remediation:  enforce, private (policy); tag eks-warden:remediation=opt-out set by ${MALLORY}, who is not allowed by policy.remediation.overrideTags: remediation still applies`,
    ]);
    expect(refused.payload.autoRemediation).toMatchObject({ action: "private", source: "policy", ignored: { value: "opt-out", setBy: MALLORY } });
    const unknownSetter = renderAlert({ ...input, autoRemediation: effectiveRemediation(enforce, { "eks-warden:remediation": "opt-out" }) });
    expect(remediationLines(unknownSetter.text)[0]).toMatch(/^Remediation: {2}enforce, private \(policy\); tag eks-warden:remediation=opt-out was set by an unknown principal .*: remediation still applies$/);
    const exempt: Transition = { ...opened, kind: "EXEMPTED", after: { ...opened.after, status: "EXEMPT" }, finding: { ...opened.finding, status: "EXEMPT", exemption: { until: "2099-01-01", reason: "vendor", source: "policy", expired: false } } };
    expect(remediationLines(renderAlert({ ...input, transition: exempt, autoRemediation: effectiveRemediation(enforce, {}) }).text)).toEqual([
      "Remediation:  enforce, none: the finding is exempt (an honoured exemption), so EKS Warden will not change this cluster",
    ]);
    const off = renderAlert({ ...input, autoRemediation: effectiveRemediation(parsePolicy({}), {}) });
    expect(remediationLines(off.text)).toEqual(["Remediation:  off (policy.remediation.mode): EKS Warden will not change this cluster"]);
  });

  it("is absent from alerts given no effective remediation (another rule, or the cluster could not be read)", () => {
    const alert = renderAlert(input);
    expect(remediationLines(alert.text)).toEqual([]);
    expect(alert.payload).not.toHaveProperty("autoRemediation");
  });
});
