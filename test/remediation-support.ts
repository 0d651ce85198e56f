// Shared by the remediation tests on the local system: a fleet of compliant clusters, alice who opens them, and
// helpers that read what the monitor did (its UpdateClusterConfig calls, by its own identity, in the simulator).
import { readFileSync } from "node:fs";
import type { LocalSystem, ReceivedNotification } from "@eks-warden/local";
import { fixturePath } from "./fixtures/index.ts";

export const ACCOUNT = "999999999999";
export const REGION = "eu-west-1";
export const MINUTE = 60_000;
export const ALICE = { accessKeyId: "AKIAALICEEXAMPLE0001", secretAccessKey: "alice-secret" };
export const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const ALICE_IP = "198.51.100.23";
export const ALLOWLIST = ["203.0.113.0/24"];
export const PRIVATE_ONLY = { endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };

export function arnOf(name: string): string {
  return `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`;
}

/** A compliant cluster (private only, all control-plane logs on) unless `vpc` says otherwise. */
export function clusterEntry(name: string, vpc: Record<string, unknown> = PRIVATE_ONLY, tags: Record<string, string> = {}) {
  return {
    region: REGION,
    cluster: {
      name,
      arn: arnOf(name),
      version: "1.34",
      status: "ACTIVE",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
      resourcesVpcConfig: { subnetIds: ["subnet-0a"], securityGroupIds: [], vpcId: "vpc-0a", ...vpc },
      logging: { clusterLogging: [{ types: ["api", "audit", "authenticator", "controllerManager", "scheduler"], enabled: true }] },
      tags,
    },
  };
}

/** The platform lead, a session of the role the remediation tests' policy lets set the override tag. */
export const LEAD = { accessKeyId: "AKIALEADEXAMPLE00001", secretAccessKey: "lead-secret" };
export const LEAD_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/PlatformLead/dana`;
export const LEAD_ROLE = `arn:aws:iam::${ACCOUNT}:role/PlatformLead`;
/** Someone who may tag clusters, but whom no policy lists. */
export const MALLORY = { accessKeyId: "AKIAMALLORYEXAMPLE01", secretAccessKey: "mallory-secret" };
export const MALLORY_ARN = `arn:aws:iam::${ACCOUNT}:user/mallory`;

export function fleet(clusters: ReturnType<typeof clusterEntry>[]) {
  return {
    _what: "compliant clusters alice opens to the internet, for the remediation tests",
    defaultAccount: ACCOUNT,
    defaultRegion: REGION,
    // No startTime: the virtual clock starts at the real time the handlers read, so "open for" is meaningful.
    clusterVersions: (JSON.parse(readFileSync(fixturePath("eks/DescribeClusterVersions.json"), "utf8")) as { data: { clusterVersions: Record<string, unknown>[] } }).data.clusterVersions,
    identities: {
      [ALICE.accessKeyId]: { arn: ALICE_ARN, sourceIPAddress: ALICE_IP },
      [LEAD.accessKeyId]: { arn: LEAD_ARN, sourceIPAddress: "198.51.100.7" },
      [MALLORY.accessKeyId]: { arn: MALLORY_ARN, sourceIPAddress: "203.0.113.66" },
    },
    clusters,
  };
}

export const OPEN_TO_WORLD = { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };

/** alice opens the cluster's endpoint (to the world unless `vpc` says otherwise); the event is delivered. */
export async function aliceOpens(system: LocalSystem, name: string, vpc: Record<string, unknown> = OPEN_TO_WORLD): Promise<void> {
  await system.callEks("UpdateClusterConfig", { name, resourcesVpcConfig: vpc }, { credentials: ALICE, region: REGION });
  await system.deliverEvents();
}

/** `who` sets (a value) or removes (null) the override tag eks-warden:remediation on the cluster; the event is delivered. */
export async function setOverride(system: LocalSystem, who: typeof ALICE, name: string, value: string | null): Promise<void> {
  const resourceArn = arnOf(name);
  if (value === null) await system.callEks("UntagResource", { resourceArn, tagKeys: ["eks-warden:remediation"] }, { credentials: who, region: REGION });
  else await system.callEks("TagResource", { resourceArn, tags: { "eks-warden:remediation": value } }, { credentials: who, region: REGION });
  await system.deliverEvents();
}

/** The monitor's UpdateClusterConfig calls on one cluster, as CloudTrail recorded them (refused ones included). */
export function monitorCalls(system: LocalSystem, name: string) {
  return system.simulator.cloudTrail.events.filter(
    (event) => event.detail.eventName === "UpdateClusterConfig" && event.detail.userIdentity.arn === system.monitor.sessionArn && event.detail.requestParameters?.["name"] === name,
  );
}

/** Every notification about the endpoint of one cluster (alerts of endpoint-public-access, remediation), in order. */
export function forCluster(notifications: readonly ReceivedNotification[], name: string): ReceivedNotification[] {
  return notifications.filter((notification) => notification.attributes["cluster"] === name && notification.attributes["ruleId"] === "endpoint-public-access");
}

/** "kind transition": e.g. "alert OPENED", "remediation SUCCEEDED". */
export function kinds(notifications: readonly ReceivedNotification[]): string[] {
  return notifications.map((notification) => `${notification.attributes["kind"]} ${notification.attributes["transition"]}${notification.payload?.inProgress ? " (in progress)" : ""}`);
}
