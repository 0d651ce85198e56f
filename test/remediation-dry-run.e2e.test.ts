// Auto-remediation in dry-run on the local system: the alert names the exact call, and nothing is called.
// Its own file: one local system per process, and the handlers read the policy once (cold start).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalSystem, type LocalSystem } from "@eks-warden/local";
import { ensureLocalAws, stopLocalAws } from "../packages/core/test/aws/local-aws.ts";
import { ALICE_ARN, aliceOpens, arnOf, clusterEntry, fleet, forCluster, kinds, MINUTE, monitorCalls } from "./remediation-support.ts";

let system: LocalSystem;

beforeAll(async () => {
  await ensureLocalAws();
  system = await startLocalSystem({ fleet: fleet([clusterEntry("payments-prod")]), policy: { remediation: { mode: "dry-run" } }, aws: "environment" });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

it("names the exact call it would make in one DRY_RUN alert, and makes none", async () => {
  await aliceOpens(system, "payments-prod");
  await system.advance(11 * MINUTE);
  await system.advance(11 * MINUTE);
  const notifications = forCluster(await system.readNotifications(), "payments-prod");
  expect(kinds(notifications)).toEqual(["alert OPENED (in progress)", "remediation DRY_RUN"]);
  const dryRun = notifications[1]!;
  expect(dryRun.subject).toBe("[DRY RUN] payments-prod (eu-west-1): would close the public endpoint (private)");
  expect(dryRun.attributes).toMatchObject({ kind: "remediation", transition: "DRY_RUN", ruleId: "endpoint-public-access", severity: "CRITICAL" });
  expect(dryRun.remediation).toMatchObject({
    outcome: "DRY_RUN",
    input: { name: "payments-prod", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } },
    command: "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true",
    opened: { actor: { arn: ALICE_ARN } },
  });
  expect(dryRun.text).toContain('Call:         UpdateClusterConfig {"name":"payments-prod","resourcesVpcConfig":{"endpointPrivateAccess":true,"endpointPublicAccess":false}}');
  expect(dryRun.text).toContain("aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true");
  expect(system.simulator.calls.byCaller("UpdateClusterConfig", system.monitor.sessionArn)).toBe(0);
  expect(monitorCalls(system, "payments-prod")).toEqual([]);
  expect((await system.readState(arnOf("payments-prod"))).find((record) => record.ruleId === "endpoint-public-access")).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
});
