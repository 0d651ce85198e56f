// What a subscriber of the alerts topic (or the health topic) receives, read back from the SQS queue subscribed to it.
// The local SNS emulator delivers only to SQS, and an SQS subscriber gets the "sqs" entry of a MessageStructure=json
// publish: the full JSON payload. An email subscriber would get the "default"/"email" text instead; that text is a
// pure function of the payload (voice/alert.ts; voice/digest.ts for the weekly digest), so it is rebuilt here
// exactly as the email would read.
import { alertText, type AlertInput, type AlertPayload, remediationInputFromPayload, remediationText, type RemediationPayload, digestText, type DigestSummary, coverageText, type CoveragePayload, renderDeadLetterAlert, type DeadLetterKeeping } from "@eks-warden/core/voice";
import type { Transition } from "@eks-warden/core";
import type { DeadLetterReport } from "@eks-warden/core/voice";

/** The JSON payload of a dead-letter alert of the health topic (message attribute kind=dead-letter). */
export interface DeadLetterPayload {
  readonly kind: "dead-letter";
  readonly severity: string;
  readonly deadLetter: DeadLetterReport;
  readonly keptIn: DeadLetterKeeping;
}

export interface ReceivedNotification {
  readonly subject: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The JSON payload (alerts), or undefined when the message is not JSON (another publisher's text). */
  readonly payload?: AlertPayload;
  /** The JSON payload of a remediation alert (message attribute kind=remediation). */
  readonly remediation?: RemediationPayload;
  /** The JSON payload of an account EKS Warden could not read (attributes.kind "coverage"). */
  readonly coverage?: CoveragePayload;
  /** The JSON summary of a weekly digest (attributes.kind "digest"). */
  readonly digest?: DigestSummary;
  /** The JSON payload of a dead-letter alert of the health topic (attributes.kind "dead-letter"). */
  readonly deadLetter?: DeadLetterPayload;
  /** The message as a person reads it (the email/default text of an alert or digest). */
  readonly text: string;
  readonly receivedAt: string;
}

/** The AlertInput a payload was rendered from: enough for alertText, which reads nothing the payload lacks. */
export function alertInputFromPayload(payload: AlertPayload): AlertInput {
  const transition: Transition = {
    kind: payload.transition,
    clusterArn: payload.cluster.arn,
    ruleId: payload.ruleId,
    ...(payload.before && { before: payload.before }),
    after: payload.after,
    finding: {
      ruleId: payload.ruleId,
      clusterArn: payload.cluster.arn,
      status: payload.after.status,
      severity: payload.after.severity,
      message: payload.message,
      evidence: payload.after.evidence,
      remediation: payload.remediation,
      ...(payload.exemption && { exemption: payload.exemption }),
    },
    ...(payload.inProgress && { inProgress: true }),
    ...(payload.correcting && { correcting: true }),
    ...(payload.exposure && { exposure: payload.exposure }),
    ...(payload.flapped && { flapped: payload.flapped }),
    ...(payload.sameProblem && { sameProblem: payload.sameProblem }),
  };
  const { cause } = payload;
  return {
    transition,
    cluster: payload.cluster,
    cause: {
      trigger: cause.trigger,
      ...(cause.eventId !== undefined && { eventId: cause.eventId }),
      ...(cause.eventName !== undefined && { eventName: cause.eventName }),
      ...(cause.actor !== undefined && { actor: cause.actor }),
      ...(cause.sourceIp !== undefined && { sourceIp: cause.sourceIp }),
      ...(cause.userAgent !== undefined && { userAgent: cause.userAgent }),
      ...(cause.eventTime !== undefined && { eventTime: new Date(cause.eventTime) }),
      ...(cause.remediation !== undefined && { remediation: cause.remediation }),
      ...(cause.access !== undefined && { access: cause.access }),
    },
    ...(payload.ruleTitle !== undefined && { rule: { title: payload.ruleTitle, risk: payload.risk ?? "", frameworks: payload.frameworks } }),
    evaluatedAt: new Date(payload.evaluatedAt),
    ...(payload.autoRemediation !== undefined && { autoRemediation: payload.autoRemediation }),
  };
}

interface SnsEnvelope {
  readonly Subject?: string;
  readonly Message?: string;
  readonly Timestamp?: string;
  readonly MessageAttributes?: Readonly<Record<string, { readonly Value?: string }>>;
}

/** One SQS message body of a queue subscribed to the topic (SNS envelope, raw delivery off). */
export function notificationFromSqsBody(body: string): ReceivedNotification {
  const envelope = JSON.parse(body) as SnsEnvelope;
  const message = envelope.Message ?? "";
  const attributes = Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value ?? ""]));
  let payload: AlertPayload | undefined;
  let remediation: RemediationPayload | undefined;
  let digest: DigestSummary | undefined;
  let coverage: CoveragePayload | undefined;
  let deadLetter: DeadLetterPayload | undefined;
  try {
    const parsed = JSON.parse(message) as Partial<AlertPayload> | Partial<RemediationPayload> | Partial<DigestSummary> | Partial<DeadLetterPayload>;
    if (parsed && parsed.kind === "alert" && typeof parsed.ruleId === "string") payload = parsed as AlertPayload;
    if (parsed && parsed.kind === "remediation" && typeof parsed.outcome === "string") remediation = parsed as RemediationPayload;
    if (parsed && parsed.kind === "digest" && typeof parsed.week === "string") digest = parsed as DigestSummary;
    const asCoverage = parsed as unknown as Partial<CoveragePayload> | null;
    if (asCoverage && asCoverage.kind === "coverage" && typeof asCoverage.account === "string") coverage = asCoverage as CoveragePayload;
    if (parsed && parsed.kind === "dead-letter" && typeof parsed.deadLetter === "object") deadLetter = parsed as DeadLetterPayload;
  } catch {
    payload = undefined;
  }
  return {
    subject: envelope.Subject ?? "(no subject)",
    attributes,
    ...(payload && { payload }),
    ...(remediation && { remediation }),
    ...(digest && { digest }),
    ...(coverage && { coverage }),
    ...(deadLetter && { deadLetter }),
    text: payload
      ? alertText(alertInputFromPayload(payload))
      : remediation
        ? remediationText(remediationInputFromPayload(remediation))
        : digest
          ? digestText(digest)
          : coverage
            ? coverageText(coverage)
            : deadLetter
              ? renderDeadLetterAlert(deadLetter.deadLetter, deadLetter.keptIn).text
              : `${message}\n`,
    receivedAt: envelope.Timestamp ?? new Date().toISOString(),
  };
}
