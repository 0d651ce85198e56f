// What a subscriber of the alerts topic reads from its SQS queue: the email text printed for an alert is exactly what
// the renderer gives an email subscriber, rebuilt from the JSON payload an SQS subscriber receives.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate, defaultPolicy, ruleById, normaliseCluster } from "@eks-warden/core";
import { renderAlert } from "@eks-warden/core/voice";
import type { AlertCause, Transition } from "@eks-warden/core";
import { alertInputFromPayload, notificationFromSqsBody } from "../src/notifications.ts";

describe("the alert text printed for a subscriber", () => {
  const record = (JSON.parse(readFileSync(new URL("../../../test/fixtures/eks/DescribeCluster.public-only.open-world.json", import.meta.url), "utf8")) as { data: { cluster: Record<string, unknown> } }).data.cluster;
  const snapshot = normaliseCluster(record);
  const [finding] = evaluate(snapshot, defaultPolicy(), { now: new Date("2026-06-01T00:00:00Z") }).filter((candidate) => candidate.ruleId === "endpoint-public-access");
  const rule = ruleById("endpoint-public-access")!;
  const cluster = { arn: snapshot.arn, account: snapshot.account, region: snapshot.region, name: snapshot.name };

  it.each<[string, Partial<Transition>, AlertCause]>([
    ["an early alert with who and from where", { inProgress: true, before: { status: "PASS", severity: "CRITICAL", evidence: { publicAccess: false } } }, { trigger: "intent", eventId: "e-1", eventName: "UpdateClusterConfig", actor: { type: "IAMUser", arn: "arn:aws:iam::111111111111:user/alice", userName: "alice" }, sourceIp: "203.0.113.7", userAgent: "aws-cli/2", eventTime: new Date("2026-06-01T00:00:00Z") }],
    ["a sweep finding", {}, { trigger: "sweep" }],
    ["a correction", { correcting: true, kind: "RESOLVED" }, { trigger: "settle", eventId: "e-2" }],
    [
      "an access grant, with its Change line",
      {},
      { trigger: "event", eventId: "e-3", eventName: "AssociateAccessPolicy", actor: { type: "IAMUser", arn: "arn:aws:iam::111111111111:user/alice", userName: "alice" }, sourceIp: "203.0.113.7", eventTime: new Date("2026-06-01T00:00:00Z"), access: { principalArn: "arn:aws:iam::999988887777:role/contractor", policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster", namespaces: [] } } },
    ],
    ["a flapping summary", { kind: "RESOLVED", flapped: { count: 3, first: "2026-06-01T00:00:10.000Z", last: "2026-06-01T00:02:00.000Z", kind: "RESOLVED", status: "PASS", summary: true } }, { trigger: "settle", eventId: "e-4#held" }],
    ["an unreadable cluster's one ERRORED, naming the other rules", { kind: "ERRORED", sameProblem: ["version-support", "audit-logging"] }, { trigger: "sweep" }],
  ])("is the email text the renderer gives, rebuilt from the SQS payload: %s", (_, change, cause) => {
    const transition: Transition = { kind: "OPENED", clusterArn: cluster.arn, ruleId: rule.id, after: { status: finding!.status, severity: finding!.severity, evidence: finding!.evidence }, finding: finding!, ...change };
    const rendered = renderAlert({ transition, cluster, cause, rule, evaluatedAt: new Date("2026-06-01T00:00:05Z") });
    const body = JSON.stringify({ Type: "Notification", Subject: rendered.subject, Message: JSON.parse(rendered.message).sqs, MessageAttributes: { severity: { Type: "String", Value: "CRITICAL" } } });
    const received = notificationFromSqsBody(body);
    expect(received.text).toBe(rendered.text);
    expect(received.subject).toBe(rendered.subject);
    expect(received.attributes).toEqual({ severity: "CRITICAL" });
    expect(alertInputFromPayload(rendered.payload).cluster).toEqual(cluster);
  });

  it("prints a message from another publisher as it is", () => {
    expect(notificationFromSqsBody(JSON.stringify({ Message: "plain words" }))).toMatchObject({ subject: "(no subject)", text: "plain words\n" });
  });
});
