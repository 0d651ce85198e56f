import { EXEMPTION_TAG, exemptionExpired, exemptionTagOf, grantorOf, tagGrantProblem } from "../exemptions.ts";
import type { ClusterIdentity, ClusterSnapshot, Evidence, Finding, Remediation, Rule, Severity } from "../model.ts";
import { clusterLabel, evidenceText, finding, shellWord } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

function rewriteTag(cluster: ClusterIdentity): Remediation {
  const tags = JSON.stringify({ [EXEMPTION_TAG]: "<rule-id> until=YYYY-MM-DD reason=<why>" });
  return {
    text:
      `Rewrite the ${EXEMPTION_TAG} tag as \`<rule-id>[ <rule-id>...] until=YYYY-MM-DD reason=<text>\` (reason last), ` +
      `or remove it with \`aws eks untag-resource --resource-arn ${shellWord(cluster.arn)} --tag-keys ${EXEMPTION_TAG}\`.`,
    // JSON, not the CLI's Key=Value shorthand: the value itself contains "=".
    command: `aws eks tag-resource --region ${shellWord(cluster.region)} --resource-arn ${shellWord(cluster.arn)} --tags ${shellWord(tags)}`,
  };
}

/** `consequence` completes "EKS cluster X has an eks-warden:exempt tag ...". */
function failed(snapshot: ClusterSnapshot, value: string, consequence: string, problem: string, extra: Evidence = {}, severity: Severity = rule.severity): Finding {
  return finding(rule, snapshot, {
    status: "FAIL",
    severity,
    message: `EKS cluster ${clusterLabel(snapshot)} has an ${EXEMPTION_TAG} tag ${consequence}.`,
    evidence: { tag: EXEMPTION_TAG, value, problem, ...extra },
  });
}

export const rule: Rule = {
  id: "exemption-tag-valid",
  area: "governance",
  title: "Exemption tag well formed",
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster"),
  risk:
    `An ${EXEMPTION_TAG} tag that cannot be parsed, that has no end date or reason, or that has expired, exempts nothing, so the team that set it ` +
    "believes a finding is accepted while it is still raised; an exemption without an end or a reason is also an open-ended, " +
    "unexplained risk acceptance that no one will review. A tag set by someone the policy does not let grant exemptions, or " +
    "lasting longer than policy.exemptions.maxDays, exempts nothing: anyone who may tag a cluster could otherwise silence the monitor.",
  remediation: rewriteTag,
  headline({ evidence }) {
    const problem = evidenceText(evidence.problem);
    // The verdict first, so a subject cut at SNS's limit keeps it; then the problem without its explanation in
    // parentheses. The alert's text names the tag and gives the problem in full.
    return problem === undefined ? undefined : `exemption ignored: ${problem.replace(/\s*\([^)]*\)$/, "")}`;
  },
  evaluate(snapshot, policy, context) {
    const label = clusterLabel(snapshot);
    const tag = exemptionTagOf(snapshot);
    if (tag === undefined) {
      return [
        finding(rule, snapshot, {
          status: "NOT_APPLICABLE",
          severity: "INFO",
          message: `EKS cluster ${label} has no ${EXEMPTION_TAG} tag.`,
          evidence: { tag: EXEMPTION_TAG, present: false },
        }),
      ];
    }
    if (!tag.parse.ok) return [failed(snapshot, tag.value, `that exempts nothing, because the tag ${tag.parse.problem}`, tag.parse.problem)];
    const { rules, until, reason } = tag.parse.exemption;
    // A misspelt rule id parses but exempts nothing: as misleading as a tag that does not parse.
    const unknown = context.ruleIds === undefined ? [] : rules.filter((id) => !context.ruleIds?.includes(id));
    if (unknown.length > 0) {
      const names = unknown.map((id) => JSON.stringify(id)).join(", ");
      const problem = `names ${names}, which ${unknown.length === 1 ? "is not a rule" : "are not rules"} of EKS Warden`;
      const consequence = `that ${problem}, so it exempts nothing under ${unknown.length === 1 ? "that name" : "those names"}`;
      return [failed(snapshot, tag.value, consequence, problem, { unknownRules: unknown, knownRules: [...(context.ruleIds ?? [])] })];
    }
    // An expired tag is hygiene, not a misleading grant: the rules it named already FAIL again, so LOW.
    if (exemptionExpired(until, context.now)) {
      const problem = `expired on ${until}`;
      const consequence = `that ${problem}, so it exempts nothing and ${rules.join(", ")} ${rules.length === 1 ? "is" : "are"} judged again`;
      return [failed(snapshot, tag.value, consequence, problem, { rules: [...rules], until, reason }, "LOW")];
    }
    const grant = context.tagGrant?.value === tag.value ? context.tagGrant : undefined;
    const setBy = { setBy: grantorOf(grant), ...(grant ? { setAt: grant.at } : {}) };
    const refused = tagGrantProblem(tag.value, until, context.tagGrant, policy, context.now);
    if (refused !== undefined) {
      // Refused for who set it: someone trying to exempt, worth more attention than a malformed tag. Other refusals
      // (tag exemptions off, an until too far away) are reported first and stay MEDIUM; fixing them then escalates.
      const severity = refused.bySetter ? "HIGH" : rule.severity;
      return [failed(snapshot, tag.value, `that exempts nothing, because the tag ${refused.text}`, refused.text, { rules: [...rules], until, reason, ...setBy }, severity)];
    }
    return [
      finding(rule, snapshot, {
        status: "PASS",
        severity: rule.severity,
        message: `EKS cluster ${label} has a well-formed ${EXEMPTION_TAG} tag exempting ${rules.join(", ")} until ${until}, set by ${setBy.setBy}.`,
        evidence: { tag: EXEMPTION_TAG, value: tag.value, rules: [...rules], until, reason, ...setBy },
      }),
    ];
  },
};
