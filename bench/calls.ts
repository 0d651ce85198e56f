// AWS calls per event: the real use-cases with the real adapters on the local system (@eks-warden/local: the simulator
// for EKS, DynamoDB Local and the SNS/SQS emulator, wired from the stack's own constants), counting every SDK command
// at the client's initialize step (a logical call: SDK retries are not counted twice). These counts drive Lambda
// duration, DynamoDB cost and the EKS API's throttling budget.
import { handleClusterEvent, handleSettleCheck } from "@eks-warden/core/pipeline";
import { startLocalSystem, type LocalSystem } from "@eks-warden/local";

type Counts = Record<string, number>;

export interface CallFigures {
  readonly scenario: string;
  readonly calls: Counts;
  readonly total: number;
  /** The total without the reads that only some rules need (RULE_SCOPED_READS). */
  readonly totalWithoutRuleScopedReads: number;
  /** The target for this event, where it sets one. */
  readonly target?: number;
}

/**
 * The reads only some rules need (node groups, add-ons, their catalogues, insights, AMI releases): the real-time path
 * makes them only when the event can change a rule that needs them (events/affected-rules.ts). A TagResource of a tag
 * EKS Warden does not read re-judges the cluster rules alone, so it makes none of them once the version catalogue is
 * cached; one setting an exemption tag makes them all. Shown apart so that the figures say what each event costs.
 */
export const RULE_SCOPED_READS: readonly string[] = [
  "eks:ListNodegroups",
  "eks:ListAddons",
  "eks:DescribeNodegroup",
  "eks:DescribeAddon",
  "eks:DescribeClusterVersions",
  "eks:DescribeAddonVersions",
  "eks:ListInsights",
  "eks:DescribeInsight",
  "ssm:GetParameters",
];

/**
 * Targets of the issue "Performance": calls per event, by scenario key. An access grant (issue 19): the event claim,
 * the cluster record (lifecycle, authentication mode), the entries and, for the one entry, its describe (its
 * Kubernetes groups: system:masters) and its policies, the state read, one transaction (state, history, the alert in
 * the outbox), the alert it is due, and the outbox entry deleted once published (the outbox's guarantee: a failed
 * publish leaves it for the retry).
 */
export const CALL_TARGETS = { tagResource: 4, openEndpoint: 6, settle: 4, accessGrant: 9 } as const;

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/payments-prod`;
export const ALICE = { accessKeyId: "AKIABENCHALICE000001", secretAccessKey: "bench" };

/** The local system with one known cluster, the fleet every benchmark of the event path runs on. */
export function startBenchSystem(): Promise<LocalSystem> {
  return startLocalSystem({
    policy: {},
    fleet: {
      defaultAccount: ACCOUNT,
      startTime: "2026-11-29T09:00:00Z",
      identities: { [ALICE.accessKeyId]: { arn: `arn:aws:iam::${ACCOUNT}:user/alice`, sourceIPAddress: "198.51.100.23" } },
      clusterVersions: [
        { clusterVersion: "1.34", versionStatus: "STANDARD_SUPPORT", endOfStandardSupportDate: "2027-12-02T00:00:00Z", endOfExtendedSupportDate: "2028-12-02T00:00:00Z" },
      ],
      clusters: [
        {
          region: REGION,
          cluster: {
            name: "payments-prod",
            arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/payments-prod`,
            version: "1.34",
            status: "ACTIVE",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
            resourcesVpcConfig: { subnetIds: ["subnet-0a"], securityGroupIds: [], vpcId: "vpc-0a", endpointPublicAccess: false, endpointPrivateAccess: true },
            logging: { clusterLogging: [{ types: ["api", "audit", "authenticator", "controllerManager", "scheduler"], enabled: true }] },
            // On access entries (API): under CONFIG_MAP, EKS's default, there are none to list.
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            tags: {},
          },
        },
      ],
    },
  });
}

export async function measureCallsPerEvent(): Promise<CallFigures[]> {
  const system = await startBenchSystem();
  const events: unknown[] = [];
  system.onCall((event) => void events.push(event));
  const counts: Counts = {};
  try {
    // The use-cases' ports on the local system's table, topic, settle queue and simulator, with clients that count.
    const deps = system.pipelineDeps({
      onCommand: (service, command) => {
        const key = `${service}:${command}`;
        counts[key] = (counts[key] ?? 0) + 1;
      },
      now: () => system.simulator.clock.now(),
      settings: { settleDelaySeconds: 0, maxSettleDelaySeconds: 0 },
    });
    const actor = { credentials: ALICE, region: REGION };
    const figures: CallFigures[] = [];
    const measure = async (scenario: string, work: () => Promise<void>, target?: number) => {
      for (const key of Object.keys(counts)) delete counts[key];
      await work();
      const sum = (entries: [string, number][]) => entries.reduce((total, [, n]) => total + n, 0);
      const entries = Object.entries(counts);
      figures.push({
        scenario,
        calls: { ...counts },
        total: sum(entries),
        totalWithoutRuleScopedReads: sum(entries.filter(([name]) => !RULE_SCOPED_READS.includes(name))),
        ...(target !== undefined ? { target } : {}),
      });
    };
    const deliver = async () => {
      // Taken from the system, so its own router never delivers them to the handlers a second time.
      await system.takeEvents();
      for (const event of events.splice(0)) await handleClusterEvent(event, deps);
    };

    // A first evaluation of the cluster, so that later figures show the steady state, not the first write. Tags
    // EKS Warden does not read (team, owner): the cluster rules alone are re-judged.
    await system.callEks("TagResource", { resourceArn: CLUSTER_ARN, tags: { team: "payments" } }, actor);
    await measure("TagResource of a tag EKS Warden does not read, known cluster (cluster rules only, no transition; first run: catalogue cache cold)", deliver);
    await system.callEks("TagResource", { resourceArn: CLUSTER_ARN, tags: { owner: "alice" } }, actor);
    await measure("TagResource of such a tag again (catalogue cache warm, warm execution environment)", deliver, CALL_TARGETS.tagResource);
    await system.callEks("UpdateClusterConfig", { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, actor);
    await measure("UpdateClusterConfig opening the endpoint (intent: early alert + settle check queued)", deliver, CALL_TARGETS.openEndpoint);
    system.simulator.clock.advance(11 * 60_000);
    await measure("settle check of that update (terminal: live evaluation, OPENED confirmed, no second alert)", async () => {
      // Lambda's event source mapping receives the message, not the function: the system's own (uncounted) client reads it.
      for (const body of await system.receiveSettleChecks(1)) await handleSettleCheck(body, deps);
    }, CALL_TARGETS.settle);
    // An access entry for a role of another account (no power yet: not measured), then cluster admin granted to it.
    const contractor = "arn:aws:iam::999988887777:role/contractor";
    await system.callEks("CreateAccessEntry", { clusterName: "payments-prod", principalArn: contractor }, actor);
    await deliver();
    await system.callEks(
      "AssociateAccessPolicy",
      { clusterName: "payments-prod", principalArn: contractor, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
      actor,
    );
    await measure("AssociateAccessPolicy granting cluster admin to another account's role (access rules only: one entry read, OPENED CRITICAL published)", deliver, CALL_TARGETS.accessGrant);
    return figures;
  } finally {
    await system.stop();
  }
}
