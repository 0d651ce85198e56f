// The access calls in the real-time path: parsed with who was given what (grantee, policy, scope, provider, mode),
// rejected with the event id and the reason when they cannot be trusted (no retry), and judged by the access rules
// alone, reading only the access data.
import { describe, expect, it } from "vitest";
import { rulesAffectedBy } from "../../src/events/affected-rules.ts";
import { EventRejected, parseClusterEvent } from "../../src/events/cloudtrail.ts";
import { clusterEventPattern, matchesEventPattern } from "../../src/events/pattern.ts";
import { handleClusterEvent } from "../../src/pipeline/cluster-event.ts";
import { rules } from "../../src/rules/index.ts";
import { ALERT_COALESCE_SECONDS } from "../../src/state/transitions.ts";
import { eventBridgeEnvelope } from "../../../../test/fixtures/index.ts";
import { OPEN, clusterRecord, world } from "../pipeline/fakes.ts";

const ACCOUNT = "111122223333";
const CLUSTER = { arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments`, account: ACCOUNT, region: "eu-west-1", name: "payments" };
const ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const OUTSIDER = "arn:aws:iam::999988887777:role/contractor";

function record(eventName: string, requestParameters: unknown, responseElements: unknown = null) {
  return {
    eventVersion: "1.08",
    userIdentity: {
      type: "AssumedRole",
      principalId: "AROAEXAMPLE:bob",
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`,
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: "Role", arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, userName: "Admin" } },
    },
    eventTime: "2026-11-29T10:00:00Z",
    eventSource: "eks.amazonaws.com",
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "203.0.113.7",
    userAgent: "aws-cli/2.15.0",
    requestParameters,
    responseElements,
    eventID: `evt-${eventName}`,
    recipientAccountId: ACCOUNT,
  };
}
const envelope = (detail: ReturnType<typeof record>) => eventBridgeEnvelope(detail, { account: ACCOUNT });
const associate = (request: Record<string, unknown>) => envelope(record("AssociateAccessPolicy", { name: "payments", ...request }, { clusterName: "payments" }));
const update = { update: { id: "u-1", status: "InProgress", type: "AssociateIdentityProviderConfig", params: [] } };

function rejection(input: unknown): EventRejected {
  try {
    parseClusterEvent(input);
  } catch (error) {
    expect(error).toBeInstanceOf(EventRejected);
    return error as EventRejected;
  }
  throw new Error("expected the event to be rejected");
}

describe("access calls in the event pattern and the parsers", () => {
  it("are in the one event pattern", () => {
    for (const name of ["CreateAccessEntry", "UpdateAccessEntry", "DeleteAccessEntry", "AssociateAccessPolicy", "DisassociateAccessPolicy", "AssociateIdentityProviderConfig", "DisassociateIdentityProviderConfig"]) {
      expect(matchesEventPattern(clusterEventPattern, { source: "aws.eks", "detail-type": "AWS API Call via CloudTrail", detail: { eventSource: "eks.amazonaws.com", eventName: name } }), name).toBe(true);
    }
  });

  it("read who granted what to whom: grantee, policy, scope; grantor and source IP from the envelope", () => {
    const event = parseClusterEvent(associate({ principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster" } }));
    expect(event).toMatchObject({
      eventName: "AssociateAccessPolicy",
      clusterArn: CLUSTER.arn,
      actor: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`, sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/Admin` } },
      sourceIp: "203.0.113.7",
      access: { principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } },
    });
    expect(parseClusterEvent(envelope(record("DisassociateAccessPolicy", { name: "payments", principalArn: OUTSIDER, policyArn: ADMIN }))).access).toEqual({ principalArn: OUTSIDER, policyArn: ADMIN });
    expect(parseClusterEvent(envelope(record("CreateAccessEntry", { name: "payments", principalArn: OUTSIDER, kubernetesGroups: ["system:masters"] }, { accessEntry: {} }))).access).toEqual({ principalArn: OUTSIDER, kubernetesGroups: ["system:masters"] });
    expect(parseClusterEvent(envelope(record("DeleteAccessEntry", { name: "payments", principalArn: OUTSIDER }))).access).toEqual({ principalArn: OUTSIDER });
  });

  it("read the identity provider and the update it started; the authentication mode of UpdateClusterConfig and CreateCluster", () => {
    const associated = parseClusterEvent(envelope(record("AssociateIdentityProviderConfig", { name: "payments", oidc: { identityProviderConfigName: "okta", issuerUrl: "https://example.okta.com", clientId: "k" } }, update)));
    expect(associated).toMatchObject({ updateId: "u-1", access: { identityProvider: { name: "okta", issuerUrl: "https://example.okta.com" } } });
    const disassociated = parseClusterEvent(envelope(record("DisassociateIdentityProviderConfig", { name: "payments", identityProviderConfig: { type: "oidc", name: "okta" } }, update)));
    expect(disassociated).toMatchObject({ updateId: "u-1", access: { identityProvider: { name: "okta" } } });
    const mode = parseClusterEvent(
      envelope(record("UpdateClusterConfig", { name: "payments", accessConfig: { authenticationMode: "API" } }, { update: { id: "u-2", status: "InProgress", type: "AccessConfigUpdate", params: [{ type: "AuthenticationMode", value: "API" }] } })),
    );
    expect(mode).toMatchObject({ updateId: "u-2", access: { authenticationMode: "API" } });
    expect(mode.intent).toBeUndefined();
  });

  it("reject an event without the principalArn, or naming a policy EKS does not have, with its id and the reason", () => {
    const missing = rejection(associate({ policyArn: ADMIN, accessScope: { type: "cluster" } }));
    expect(missing).toMatchObject({ reason: "malformed", eventId: "evt-AssociateAccessPolicy" });
    expect(missing.issues).toEqual([{ path: "detail.requestParameters.principalArn", message: "expected the principalArn of the access entry (an IAM role or user ARN)" }]);
    const unknown = rejection(associate({ principalArn: OUTSIDER, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodModePolicy", accessScope: { type: "cluster" } }));
    expect(unknown.reason).toBe("malformed");
    expect(unknown.issues[0]?.path).toBe("detail.requestParameters.policyArn");
    expect(unknown.issues[0]?.message).toMatch(/^"arn:aws:eks::aws:cluster-access-policy\/AmazonEKSGodModePolicy" is not an EKS access policy ARN/);
    expect(rejection(associate({ principalArn: "arn:aws:sts::111122223333:assumed-role/x/y", policyArn: ADMIN, accessScope: { type: "cluster" } })).issues[0]?.path).toBe("detail.requestParameters.principalArn");
    expect(rejection(associate({ principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "namespace" } })).issues[0]?.message).toBe("expected at least one namespace for a namespace scope");
    expect(rejection(envelope(record("DeleteAccessEntry", { name: "payments" }))).message).toContain("evt-DeleteAccessEntry");
  });
});

describe("the rules an access call can change", () => {
  const ids = (eventName: string, extra = {}) => rulesAffectedBy({ eventName, ...extra }, rules).map((rule) => rule.id);

  it("entry and policy calls: the rules reading access entries; provider calls: the provider rule; a mode change: the access rules", () => {
    for (const name of ["CreateAccessEntry", "UpdateAccessEntry", "DeleteAccessEntry", "AssociateAccessPolicy", "DisassociateAccessPolicy"]) expect(ids(name), name).toEqual(["access-cluster-admin", "access-creator-admin"]);
    for (const name of ["AssociateIdentityProviderConfig", "DisassociateIdentityProviderConfig"]) expect(ids(name), name).toEqual(["access-identity-providers"]);
    expect(ids("UpdateClusterConfig", { access: { authenticationMode: "API" } })).toEqual(["access-cluster-admin", "access-authentication-mode", "access-identity-providers", "access-creator-admin"]);
    expect(ids("UpdateClusterConfig")).not.toContain("access-authentication-mode");
    expect(ids("CreateCluster")).toEqual(rules.map((rule) => rule.id));
  });
});

describe("an access call through the real-time path", () => {
  it("reads only the access entries (and the cluster record), judges only the rules reading them, and alerts on the grant", async () => {
    const w = world(new Date("2026-11-29T10:00:05Z"));
    w.eks.clusters.set(CLUSTER.arn, clusterRecord(CLUSTER, OPEN));
    w.eks.accessEntries.set(CLUSTER.arn, [{ entry: { principalArn: OUTSIDER, kubernetesGroups: [], createdAt: "2026-11-29T09:59:00Z" }, policies: [{ policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] }, associatedAt: "2026-11-29T10:00:00Z" }] }]);
    const outcome = await handleClusterEvent(associate({ principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster" } }), w);
    expect(outcome.status).toBe("evaluated");
    expect(w.eks.reads).toEqual([["accessEntries", "cluster"]]);
    expect((await w.store.readState(CLUSTER.arn)).map((record) => record.ruleId).sort()).toEqual(["access-cluster-admin", "access-creator-admin"]);
    expect(w.publisher.alerts.map((alert) => alert.subject)).toEqual(["[CRITICAL] payments (eu-west-1): cluster admin: role contractor (999988887777)"]);
    // Who granted what to whom, from where, and the undo.
    const text = w.publisher.alerts[0]!.text;
    expect(text).toContain(`Who:          arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob (AssumedRole, session of arn:aws:iam::${ACCOUNT}:role/Admin)`);
    expect(text).toContain("Source IP:    203.0.113.7");
    expect(text).toContain(`Change:       granted AmazonEKSClusterAdminPolicy (cluster scope) to ${OUTSIDER}`);
    expect(text).toContain(`aws eks disassociate-access-policy --region eu-west-1 --cluster-name payments --principal-arn ${OUTSIDER} --policy-arn ${ADMIN}`);
    expect(w.publisher.alerts[0]!.payload.cause.access).toEqual({ principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } });

    // The undo, after the flapping hold (an undo within it is held and told as one summary when it ends): RESOLVED,
    // saying who took it away.
    w.clock.now = new Date(w.clock.now.getTime() + (ALERT_COALESCE_SECONDS + 60) * 1000);
    w.eks.accessEntries.set(CLUSTER.arn, [{ entry: { principalArn: OUTSIDER, kubernetesGroups: [], createdAt: "2026-11-29T09:59:00Z" }, policies: [] }]);
    const undo = record("DisassociateAccessPolicy", { name: "payments", principalArn: OUTSIDER, policyArn: ADMIN });
    undo.eventID = "evt-undo";
    await handleClusterEvent(envelope(undo), w);
    expect(w.publisher.alerts.map((alert) => alert.subject)).toEqual([
      "[CRITICAL] payments (eu-west-1): cluster admin: role contractor (999988887777)",
      "[RESOLVED] payments (eu-west-1): resolved: cluster admin: role contractor (999988887777)",
    ]);
    expect(w.publisher.alerts[1]!.text).toContain(`Change:       took AmazonEKSClusterAdminPolicy away from ${OUTSIDER}`);
  });

  it("gives no alert for a grant to an allowlisted admin role", async () => {
    const w = world(new Date("2026-11-29T10:00:05Z"));
    Object.assign(w, { policy: { ...w.policy, access: { ...w.policy.access, admins: ["arn:aws:iam::111122223333:role/platform-*"] } } });
    w.eks.clusters.set(CLUSTER.arn, clusterRecord(CLUSTER, OPEN));
    const platform = "arn:aws:iam::111122223333:role/platform-admin";
    w.eks.accessEntries.set(CLUSTER.arn, [{ entry: { principalArn: platform, kubernetesGroups: [], createdAt: "2026-11-29T09:59:00Z" }, policies: [{ policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } }] }]);
    expect((await handleClusterEvent(associate({ principalArn: platform, policyArn: ADMIN, accessScope: { type: "cluster" } }), w)).status).toBe("evaluated");
    expect(w.publisher.alerts).toEqual([]);
  });

  it("rejects a malformed access event with its id, reads nothing and stores nothing (no retry)", async () => {
    const w = world();
    const outcome = await handleClusterEvent(associate({ policyArn: ADMIN, accessScope: { type: "cluster" } }), w);
    expect(outcome).toEqual({ status: "rejected", eventId: "evt-AssociateAccessPolicy", reason: "malformed" });
    expect(w.logger.lines).toMatchObject([{ level: "warn", extra: { eventId: "evt-AssociateAccessPolicy" } }]);
    expect(w.eks.collectCalls).toBe(0);
    expect(w.store.history).toEqual([]);
  });
});
