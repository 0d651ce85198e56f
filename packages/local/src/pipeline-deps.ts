// The use-cases' ports wired to the local system's table, topic, queue and simulator, with clients of their own,
// for tests that drive the pipeline directly (LocalSystem.pipelineDeps).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoStateStore, EksCollector, SnsPublisher, SqsSettleQueue } from "@eks-warden/core/aws";
import type { AccountCredentials } from "@eks-warden/core/aws";
import type { PipelineDeps } from "@eks-warden/core/pipeline";
import { parsePolicy } from "@eks-warden/core";
import type { CommandObserver, PipelineDepsOptions } from "./types.ts";

interface Middlewared {
  readonly middlewareStack: { add(middleware: never, options: { step: "initialize"; name: string }): void };
}

/** Reports every command the client sends, at the initialize step: once per logical call, before any retry. */
function observed<T extends Middlewared>(client: T, service: Parameters<CommandObserver>[0], onCommand: CommandObserver | undefined): T {
  if (!onCommand) return client;
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
    onCommand(service, (context.commandName ?? "unknown").replace(/Command$/, ""));
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: "initialize", name: "localObserveCommands" });
  return client;
}

export interface PipelineDepsContext {
  readonly policy: Readonly<Record<string, unknown>>;
  readonly tableName: string;
  readonly topicArn: string;
  /** The health topic: cluster-event tells it when the monitor's identity is used outside remediation. */
  readonly healthTopicArn?: string;
  readonly settleQueueUrl: string;
  readonly remediationRoleArn: string;
  readonly accountCredentials: () => AccountCredentials;
  /** Everything made here is destroyed with the system. */
  readonly ownClients: { destroy(): void }[];
}

export function localPipelineDeps(context: PipelineDepsContext, options: PipelineDepsOptions = {}): PipelineDeps {
  const { onCommand } = options;
  const { ownClients } = context;
  const clients = {
    dynamodb: observed(new DynamoDBClient({}), "dynamodb", onCommand),
    sns: observed(new SNSClient({}), "sns", onCommand),
    sqs: observed(new SQSClient({}), "sqs", onCommand),
  };
  const eksClients = new Map<string, EKSClient>();
  const eksFor = (eksRegion: string): EKSClient => {
    let client = eksClients.get(eksRegion);
    if (!client) {
      client = observed(new EKSClient({ region: eksRegion }), "eks", onCommand);
      eksClients.set(eksRegion, client);
      ownClients.push(client);
    }
    return client;
  };
  ownClients.push(clients.dynamodb, clients.sns, clients.sqs);
  const store = new DynamoStateStore({ tableName: context.tableName, client: clients.dynamodb });
  const accounts = context.accountCredentials();
  ownClients.push(accounts);
  const eks = new EksCollector({ clientFor: eksFor, accounts });
  return {
    policy: parsePolicy(context.policy),
    store,
    remediation: { store, eks, roleArn: context.remediationRoleArn },
    publisher: new SnsPublisher({ topics: { alerts: context.topicArn, ...(context.healthTopicArn ? { health: context.healthTopicArn } : {}) }, client: clients.sns }),
    settleQueue: new SqsSettleQueue({ queueUrl: context.settleQueueUrl, client: clients.sqs }),
    eks,
    now: options.now ?? (() => new Date()),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    settings: { settleDelaySeconds: 0, maxSettleDelaySeconds: 0, ...options.settings },
  };
}
