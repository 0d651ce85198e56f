// AWS calls per event: the real use-cases with the real adapters against the simulator (EKS), DynamoDB Local and the
// SNS/SQS emulator, counting every SDK command at the client's initialize step (a logical call: SDK retries are not
// counted twice). These counts drive Lambda duration, DynamoDB cost and the EKS API's throttling budget.
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient, TagResourceCommand, UpdateClusterConfigCommand } from "@aws-sdk/client-eks";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { STATE_TABLE_KEY_SCHEMA, DynamoStateStore } from "@eks-warden/core/aws/dynamodb";
import { EksCollector } from "@eks-warden/core/aws/eks";
import { SnsNotifier } from "@eks-warden/core/aws/sns";
import { SqsSettleQueue } from "@eks-warden/core/aws/sqs";
import { handleClusterEvent } from "@eks-warden/core/pipeline/cluster-event";
import type { PipelineDeps } from "@eks-warden/core/pipeline/ports";
import { handleSettleCheck } from "@eks-warden/core/pipeline/settle";
import { defaultPolicy } from "@eks-warden/core/policy";
import { startEmbedded } from "@eks-warden/simulator/embedded/index";
import { startSimulator } from "@eks-warden/simulator/index";

type Counts = Record<string, number>;

interface Middlewared {
  middlewareStack: { add: (middleware: never, options: { step: "initialize"; name: string }) => void };
}

function counting<T>(client: T, service: string, counts: Counts): T {
  const countCommand = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
    const key = `${service}:${(context.commandName ?? "unknown").replace(/Command$/, "")}`;
    counts[key] = (counts[key] ?? 0) + 1;
    return next(args);
  };
  (client as unknown as Middlewared).middlewareStack.add(countCommand as never, { step: "initialize", name: "benchCountCommands" });
  return client;
}

export interface CallFigures {
  readonly scenario: string;
  readonly calls: Counts;
  readonly total: number;
}

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const ALICE = { accessKeyId: "AKIABENCHALICE000001", secretAccessKey: "bench" };

export async function measureCallsPerEvent(): Promise<CallFigures[]> {
  const embedded = await startEmbedded();
  Object.assign(process.env, embedded.env);
  const sim = await startSimulator({
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
            tags: {},
          },
        },
      ],
    },
  });
  const events: unknown[] = [];
  sim.onCloudTrailEvent((event) => void events.push(event));
  const counts: Counts = {};
  const dynamo = counting(new DynamoDBClient({}), "dynamodb", counts);
  const sns = counting(new SNSClient({}), "sns", counts);
  const sqs = counting(new SQSClient({}), "sqs", counts);
  const eventSourceMapping = new SQSClient({});
  const eksClient = counting(new EKSClient({ region: REGION, endpoint: sim.url }), "eks", counts);
  try {
    const tableName = "bench-calls";
    await dynamo.send(new CreateTableCommand({ TableName: tableName, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
    const topic = await sns.send(new CreateTopicCommand({ Name: "bench-alerts" }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: "bench-settle" }));
    const deps: PipelineDeps = {
      policy: defaultPolicy(),
      store: new DynamoStateStore({ tableName, client: dynamo }),
      notifier: new SnsNotifier({ topicArn: topic.TopicArn!, client: sns }),
      settleQueue: new SqsSettleQueue({ queueUrl: queue.QueueUrl!, client: sqs }),
      eks: new EksCollector({ clientFor: () => eksClient }),
      now: () => sim.clock.now(),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      settings: { settleDelaySeconds: 0, maxSettleDelaySeconds: 0 },
    };
    const actor = new EKSClient({ region: REGION, endpoint: sim.url, credentials: ALICE });
    const figures: CallFigures[] = [];
    const measure = async (scenario: string, work: () => Promise<void>) => {
      for (const key of Object.keys(counts)) delete counts[key];
      await work();
      figures.push({ scenario, calls: { ...counts }, total: Object.values(counts).reduce((sum, n) => sum + n, 0) });
    };
    const deliver = async () => {
      await sim.cloudTrail.idle();
      for (const event of events.splice(0)) await handleClusterEvent(event, deps);
    };

    // A first evaluation of the cluster, so that later figures show the steady state, not the first write.
    await actor.send(new TagResourceCommand({ resourceArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/payments-prod`, tags: { team: "payments" } }));
    await measure("TagResource on a known cluster (live evaluation, no transition; first run: catalogue cache cold)", deliver);
    await actor.send(new TagResourceCommand({ resourceArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/payments-prod`, tags: { owner: "alice" } }));
    await measure("TagResource again (catalogue cache warm, warm execution environment)", deliver);
    await actor.send(
      new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }),
    );
    await measure("UpdateClusterConfig opening the endpoint (intent: early alert + settle check queued)", deliver);
    sim.clock.advance(11 * 60_000);
    await measure("settle check of that update (terminal: live evaluation, OPENED confirmed, no second alert)", async () => {
      // Lambda's event source mapping receives the message, not the function: read it with an uncounted client.
      const received = await eventSourceMapping.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl!, MaxNumberOfMessages: 1 }));
      for (const message of received.Messages ?? []) await handleSettleCheck(message.Body!, deps);
    });
    actor.destroy();
    return figures;
  } finally {
    for (const client of [dynamo, sns, sqs, eksClient, eventSourceMapping]) client.destroy();
    await sim.stop();
    await embedded.stop();
  }
}
