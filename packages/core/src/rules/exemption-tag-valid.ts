import { EXEMPTION_TAG, exemptionTagOf } from "../exemptions.ts";
import type { ClusterIdentity, ClusterSnapshot, Evidence, Finding, Remediation, Rule } from "../model.ts";
import { clusterLabel, finding, shellWord } from "./lib/finding.ts";
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
function failed(snapshot: ClusterSnapshot, value: string, consequence: string, problem: string, extra: Evidence = {}): Finding {
  return finding(rule, snapshot, {
    status: "FAIL",
    severity: rule.severity,
    message: `EKS cluster ${clusterLabel(snapshot)} has an ${EXEMPTION_TAG} tag ${consequence}.`,
    evidence: { tag: EXEMPTION_TAG, value, problem, ...extra },
  });
}

export const rule: Rule = {
  id: "exemption-tag-valid",
  title: "Exemption tag well formed",
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster"),
  risk:
    `An ${EXEMPTION_TAG} tag that cannot be parsed, or that has no end date or reason, exempts nothing, so the team that set it ` +
    "believes a finding is accepted while it is still raised; an exemption without an end or a reason is also an open-ended, " +
    "unexplained risk acceptance that no one will review.",
  remediation: rewriteTag,
  evaluate(snapshot, _policy, context) {
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
    return [
      finding(rule, snapshot, {
        status: "PASS",
        severity: rule.severity,
        message: `EKS cluster ${label} has a well-formed ${EXEMPTION_TAG} tag exempting ${rules.join(", ")} until ${until}.`,
        evidence: { tag: EXEMPTION_TAG, value: tag.value, rules: [...rules], until, reason },
      }),
    ];
  },
};
