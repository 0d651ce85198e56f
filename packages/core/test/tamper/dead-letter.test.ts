// One health alert per dead letter (tamper/dead-letter.ts): what it says about a cluster event Lambda or EventBridge
// parked, about a settle check SQS redrove, and about letters an attacker shaped or broke.
import { describe, expect, it } from "vitest";
import { archivedAttributes, readDeadLetter, type DeadLetterMessage } from "../../src/tamper/dead-letter.ts";
import { renderDeadLetterAlert } from "../../src/voice/dead-letter.ts";
import { SUBJECT_MAX as TAMPER_SUBJECT_MAX } from "../../src/voice/subject.ts";

const ACCOUNT = "111122223333";
const KEPT = { queueName: "prod-eks-warden-Warden-ClusterEventDeadLetterArchive1A2B-XyZ", retentionDays: 14 };
const PARKED_AT = Date.parse("2026-11-30T22:20:05.000Z");

/** The EventBridge event of a CloudTrail EKS call, as the cluster-events rule delivers it. */
function clusterEvent(eventName: string, requestParameters: Record<string, unknown>, identity = `arn:aws:iam::${ACCOUNT}:user/alice`) {
  return {
    version: "0",
    id: "7b6a5f4e-3d2c-4b1a-0f9e-8d7c6b5a4f3e",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.eks",
    account: ACCOUNT,
    time: "2026-11-30T22:14:09Z",
    region: "eu-west-1",
    detail: {
      eventTime: "2026-11-30T22:14:07Z",
      eventSource: "eks.amazonaws.com",
      eventName,
      awsRegion: "eu-west-1",
      eventID: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
      recipientAccountId: ACCOUNT,
      userIdentity: { type: "IAMUser", arn: identity },
      requestParameters,
    },
  };
}

const lambdaLetter = (event: unknown, errorMessage = "EksUnavailable: EKS DescribeCluster failed: InternalFailure"): DeadLetterMessage => ({
  source: "cluster-event",
  messageId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
  body: JSON.stringify(event),
  attributes: { RequestID: "c0ffee00-1111-2222-3333-444455556666", ErrorCode: "200", ErrorMessage: errorMessage },
  sentTimestamp: String(PARKED_AT),
});

const settleCheck = {
  version: 1,
  cluster: { arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod`, account: ACCOUNT, region: "eu-west-1", name: "payments-prod" },
  eventId: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
  eventName: "UpdateClusterConfig",
  updateId: "b1a2c3d4-0000-4000-8000-000000000001",
  attempt: 3,
  queuedAt: "2026-11-30T22:14:40Z",
  cause: { actor: { arn: `arn:aws:iam::${ACCOUNT}:user/alice`, type: "IAMUser" }, eventTime: "2026-11-30T22:14:07Z" },
};

describe("a dead-lettered cluster event", () => {
  it("names the cluster by ARN, the call, its event id and time, who made it and why processing failed", () => {
    const report = readDeadLetter(lambdaLetter(clusterEvent("UpdateClusterConfig", { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true } })));
    expect(report).toEqual({
      source: "cluster-event",
      messageId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
      cluster: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod`,
      clusterName: "payments-prod",
      account: ACCOUNT,
      region: "eu-west-1",
      eventName: "UpdateClusterConfig",
      eventId: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
      eventTime: "2026-11-30T22:14:07Z",
      actor: `arn:aws:iam::${ACCOUNT}:user/alice`,
      parkedBy: "lambda",
      parkedAt: "2026-11-30T22:20:05.000Z",
      failure: "EksUnavailable: EKS DescribeCluster failed: InternalFailure (request c0ffee00-1111-2222-3333-444455556666)",
    });
    const alert = renderDeadLetterAlert(report, KEPT);
    expect(alert.subject).toBe("[HIGH] EKS Warden dead letter: UpdateClusterConfig on payments-prod (eu-west-1) not processed");
    expect(alert.attributes).toEqual({ kind: "dead-letter", severity: "HIGH", account: ACCOUNT, region: "eu-west-1" });
    for (const line of [
      `Cluster:    arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod`,
      "Call:       UpdateClusterConfig, event id 0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
      "When:       2026-11-30T22:14:07Z",
      `Who:        arn:aws:iam::${ACCOUNT}:user/alice`,
      "Why:        EksUnavailable: EKS DescribeCluster failed: InternalFailure",
      "Parked by:  Lambda, after the asynchronous invocation's retries, at 2026-11-30T22:20:05.000Z",
      `Kept in:    SQS queue ${KEPT.queueName}, 14 days, for redrive`,
    ]) {
      expect(alert.text).toContain(line);
    }
    // Machines get the same facts as JSON (the sqs/lambda/https entries), people the text (default/email).
    const message = JSON.parse(alert.message) as Record<string, string>;
    expect(message["default"]).toBe(alert.text);
    expect(JSON.parse(message["sqs"]!)).toMatchObject({ kind: "dead-letter", severity: "HIGH", deadLetter: { eventId: report.eventId, cluster: report.cluster }, keptIn: KEPT });
  });

  it("finds the cluster of a tagging call in its resource ARN, and says EventBridge parked it when it could not deliver", () => {
    const event = clusterEvent("TagResource", { resourceArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/batch-01`, tags: { owner: "alice" } });
    const report = readDeadLetter({
      source: "cluster-event",
      messageId: "m-2",
      body: JSON.stringify(event),
      attributes: { ERROR_CODE: "SDK_CLIENT_ERROR", ERROR_MESSAGE: "Rate exceeded", RULE_ARN: "arn:aws:events:eu-west-1:111122223333:rule/x", RETRY_ATTEMPTS: "8" },
    });
    expect(report).toMatchObject({ cluster: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/batch-01`, eventName: "TagResource", parkedBy: "eventbridge", failure: "SDK_CLIENT_ERROR: Rate exceeded (after 8 retries)" });
    expect(report.parkedAt).toBeUndefined();
    expect(renderDeadLetterAlert(report, KEPT).text).toContain("Parked by:  EventBridge, which could not deliver to the queue\n");
  });

  it("never builds an ARN from a name an attacker shaped, and shows it as one safe line", () => {
    const hostile = "prod\u2028[CRITICAL] all clear\u202e\r\nok";
    const report = readDeadLetter(lambdaLetter(clusterEvent("UpdateClusterConfig", { name: hostile }, "arn:aws:iam::111122223333:user/\u202emallory\n")));
    expect(report.cluster).toBe("prod [CRITICAL] all clear ok (account 111122223333, region eu-west-1)");
    expect(report.cluster).not.toMatch(/^arn:/);
    const alert = renderDeadLetterAlert(report, KEPT);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.subject.length).toBeLessThanOrEqual(TAMPER_SUBJECT_MAX);
    // Every line is one of the template's: nothing the attacker wrote starts a line of its own.
    expect(alert.text).not.toMatch(/[\u2028\u2029\u202e\r]/);
    expect(alert.text.split("\n").filter((line) => line.includes("all clear")).every((line) => /^(EKS Warden could not|Cluster: )/.test(line))).toBe(true);
  });

  it("still alerts on a letter that is not JSON, saying so", () => {
    const report = readDeadLetter({ source: "cluster-event", messageId: "m-3", body: "\u0000garbage", attributes: {} });
    expect(report).toMatchObject({ cluster: "(unknown cluster)", eventName: "(unknown call)", parkedBy: "sqs-redrive", unreadable: true });
    const alert = renderDeadLetterAlert(report, KEPT);
    expect(alert.text).toContain("Note:       the message is not the JSON this queue carries");
    expect(alert.text).toContain("Why:        not recorded by SQS");
    expect(alert.attributes).toMatchObject({ account: "unknown", region: "unknown" });
  });

  it("says the event queue's redrive parked an event that carries no attributes, and where its errors were logged", () => {
    const report = readDeadLetter({ source: "cluster-event", messageId: "m-redriven", body: JSON.stringify(clusterEvent("UpdateClusterConfig", { name: "payments-prod" })), attributes: {} });
    expect(report).toMatchObject({ cluster: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod`, parkedBy: "sqs-redrive" });
    const alert = renderDeadLetterAlert(report, KEPT);
    expect(alert.text).toContain("Why:        not recorded by SQS: the cluster-event function logged each attempt's error with messageId m-redriven");
    expect(alert.text).toContain("Parked by:  SQS, by the queue's redrive policy, after every delivery failed");
  });

  it("bounds an over-long error message", () => {
    const report = readDeadLetter(lambdaLetter(clusterEvent("UpdateClusterConfig", { name: "payments-prod" }), `Boom ${"x".repeat(5000)}`));
    expect(report.failure!.length).toBeLessThanOrEqual(512 + " (request c0ffee00-1111-2222-3333-444455556666)".length);
  });
});

describe("a dead-lettered settle check", () => {
  it("names the cluster and the call that started the change, and where the errors were logged (SQS keeps none)", () => {
    const report = readDeadLetter({ source: "settle", messageId: "9a8b7c6d-settle", body: JSON.stringify(settleCheck), attributes: {}, sentTimestamp: String(PARKED_AT) });
    expect(report).toMatchObject({
      cluster: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod`,
      eventName: "UpdateClusterConfig",
      eventId: settleCheck.eventId,
      eventTime: "2026-11-30T22:14:07Z",
      actor: `arn:aws:iam::${ACCOUNT}:user/alice`,
      parkedBy: "sqs-redrive",
    });
    const alert = renderDeadLetterAlert(report, { queueName: "settle-archive", retentionDays: 14 });
    expect(alert.subject).toBe("[HIGH] EKS Warden dead letter: UpdateClusterConfig on payments-prod (eu-west-1) not processed");
    expect(alert.text).toContain("EKS Warden could not process a settle check and parked it");
    expect(alert.text).toContain("Why:        not recorded by SQS: the settle function logged each attempt's error with messageId 9a8b7c6d-settle");
    expect(alert.text).toContain("Parked by:  SQS, by the queue's redrive policy, after every delivery failed");
  });

  it("names a remediation step by the call that opened the endpoint", () => {
    const remediation = {
      version: 1,
      kind: "remediation",
      step: "follow",
      cluster: settleCheck.cluster,
      attemptId: "a-1",
      attempt: 2,
      queuedAt: "2026-11-30T22:30:00Z",
      opened: { eventId: "1f2e3d4c-aaaa-4bbb-8ccc-1234567890ab", eventName: "UpdateClusterConfig", eventTime: "2026-11-30T22:14:07Z", actor: { arn: `arn:aws:iam::${ACCOUNT}:user/mallory` } },
    };
    const report = readDeadLetter({ source: "settle", messageId: "m-4", body: JSON.stringify(remediation), attributes: {} });
    expect(report).toMatchObject({ eventName: "UpdateClusterConfig (remediation follow)", eventId: "1f2e3d4c-aaaa-4bbb-8ccc-1234567890ab", actor: `arn:aws:iam::${ACCOUNT}:user/mallory` });
  });
});

describe("a letter missing parts", () => {
  it("says what it can: the ARN it names, unknown account and region, no retries or request id, no message id", () => {
    const settle = readDeadLetter({ source: "settle", messageId: "", body: JSON.stringify({ cluster: { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/x y" } }), attributes: {}, sentTimestamp: "not a number" });
    expect(settle).toMatchObject({ cluster: "arn:aws:eks:eu-west-1:111122223333:cluster/x y", eventName: "(unknown call)", messageId: "(no message id)" });
    expect(settle.parkedAt).toBeUndefined();
    // Cut to SNS's subject limit; the text keeps the whole ARN.
    const alert = renderDeadLetterAlert(settle, KEPT);
    expect(alert.subject).toMatch(/^\[HIGH\] EKS Warden dead letter: \(unknown call\) on arn:aws:eks:eu-west-1:111122223333:cluster\/x y n\.\.\.$/);
    expect(alert.subject.length).toBe(TAMPER_SUBJECT_MAX);
    expect(alert.text).toContain("Cluster:    arn:aws:eks:eu-west-1:111122223333:cluster/x y\n");

    const nameOnly = readDeadLetter({ source: "cluster-event", messageId: "m-6", body: JSON.stringify({ detail: { eventName: "DeleteCluster", requestParameters: { name: "orphan" } } }), attributes: { ERROR_CODE: "SDK_CLIENT_ERROR" } });
    expect(nameOnly).toMatchObject({ cluster: "orphan (account unknown, region unknown)", clusterName: "orphan", parkedBy: "eventbridge", failure: "SDK_CLIENT_ERROR" });
    expect(renderDeadLetterAlert(nameOnly, KEPT).subject).toBe("[HIGH] EKS Warden dead letter: DeleteCluster on orphan not processed");

    const codeOnly = readDeadLetter({ source: "cluster-event", messageId: "m-7", body: JSON.stringify(clusterEvent("UpdateClusterVersion", { name: "payments-prod" })), attributes: { ErrorCode: "429" } });
    expect(codeOnly).toMatchObject({ parkedBy: "lambda", failure: "429" });
  });
});

describe("the archived copy", () => {
  it("keeps the parking service's attributes and says where it came from, within SQS's 10", () => {
    const letter = lambdaLetter(clusterEvent("UpdateClusterConfig", { name: "payments-prod" }));
    expect(archivedAttributes(letter)).toEqual({ ...letter.attributes, WardenDeadLetterSource: "cluster-event", WardenDeadLetterMessageId: letter.messageId });
    const crowded = { ...letter, attributes: Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`A${String(index).padStart(2, "0")}`, "v"])) };
    const archived = archivedAttributes(crowded);
    expect(Object.keys(archived)).toHaveLength(10);
    expect(archived).toMatchObject({ A00: "v", A07: "v", WardenDeadLetterSource: "cluster-event" });
  });
});
