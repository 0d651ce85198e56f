// @eks-warden/core/voice: everything the monitor says (alerts, coverage, remediation, tamper, dead letters, the
// digest), rendered through one sanitiser (text.ts), one subject builder and one SNS envelope.

export { type AlertInput, type AlertPayload, alertText, renderAlert } from "./alert.ts";
export { type CoveragePayload, coverageText } from "./coverage.ts";
export { type DeadLetterKeeping, type DeadLetterReport, type DeadLetterSource, renderDeadLetterAlert } from "./dead-letter.ts";
export { type DigestSummary, digestSummary, digestText, renderDigest } from "./digest.ts";
export { type DigestReport, type DigestWeekCounts } from "./digest-report.ts";
export { escapeHtml, reportHtml, type ReportPage } from "./report-html.ts";
export { digestHtml, digestPage, scanPage, type ScanPageInput } from "./report-page.ts";
export { remediationInputFromPayload, type RemediationPayload, remediationText } from "./remediation.ts";
export { renderSelfAudit, renderTamperAlert, type Notice, type SelfAuditReport } from "./tamper.ts";
export { type Publisher, type SnsEnvelope, type Topic } from "./envelope.ts";
