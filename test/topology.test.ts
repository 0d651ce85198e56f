// One topology: the synthesized stack and the local system are both built from the deployment's description
// (@eks-warden/core/deployment), and this test holds both to it. For every function, queue, redrive, delay, queue
// consumer, event pattern and schedule of the description, the template has it and the local system has it, and
// neither has one the description does not. One synth and one local system per process, both here.
import { fileURLToPath, pathToFileURL } from "node:url";
import { ListQueuesCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVENT_RULES,
  FUNCTION_ENV,
  FUNCTIONS,
  HANDLERS,
  QUEUES,
  SCHEDULES,
  scheduleExpression,
  deadLetterQueueOf,
  TOPICS,
  type EnvKey,
  type FunctionKey,
  type QueueKey,
} from "@eks-warden/core/deployment";
import { defaultPolicy } from "@eks-warden/core";
import { localName, startLocalSystem, type LocalSystem } from "@eks-warden/local";
import { ensureLocalAws, stopLocalAws } from "../packages/core/test/aws/local-aws.ts";
import { resourcesOfType, synthesizeWithConfig } from "./infra-support.ts";

const DEMO_FLEET = fileURLToPath(new URL("../scenarios/fleets/demo.json", import.meta.url));

let template: Template;
let system: LocalSystem;

beforeAll(async () => {
  ({ template } = await synthesizeWithConfig("topology", { _what: "test configuration: the defaults" }));
  await ensureLocalAws();
  system = await startLocalSystem({ fleet: DEMO_FLEET, policy: {}, aws: "environment" });
}, 240_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

type Cfn = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation is untyped JSON.

/** A construct id from its logical id (CDK appends 8 hex digits of the path's hash). */
const constructId = (logicalId: string): string => logicalId.replace(/[0-9A-F]{8}$/, "");
const referenced = (value: Cfn): string => constructId(value["Fn::GetAtt"]?.[0] ?? value["Ref"]);
const sorted = <T>(values: Iterable<T>): T[] => [...values].sort();

const queueKeyById = new Map<string, QueueKey>(Object.entries(QUEUES).map(([key, queue]) => [queue.id, key as QueueKey]));
const functionKeyById = new Map<string, FunctionKey>(Object.entries(FUNCTIONS).map(([key, fn]) => [fn.id, key as FunctionKey]));
const queueKeyOf = (value: Cfn): QueueKey | string => queueKeyById.get(referenced(value)) ?? `unknown ${referenced(value)}`;
const functionKeyOf = (value: Cfn): FunctionKey | string => functionKeyById.get(referenced(value)) ?? `unknown ${referenced(value)}`;

/** What the description says of each queue, as SQS reports it (an unset delay is 0, an unset visibility timeout 30 s). */
function describedQueues() {
  return Object.fromEntries(
    Object.entries(QUEUES).map(([key, queue]) => [
      key,
      {
        delaySeconds: queue.deliveryDelaySeconds ?? 0,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds ?? 30,
        retentionSeconds: 14 * 86_400,
        redrive: queue.redrive ?? null,
      },
    ]),
  );
}

const describedConsumers = () =>
  sorted(Object.entries(QUEUES).flatMap(([key, queue]) => (queue.consumer ? [`${key} -> ${queue.consumer.fn} (batch ${queue.consumer.batchSize})`] : [])));

const queueConsumer = (key: QueueKey) => QUEUES[key].consumer?.fn;

const describedEnvironment = (key: FunctionKey) => sorted((Object.keys(FUNCTIONS[key].environment) as EnvKey[]).map((name) => FUNCTION_ENV[name]));

describe("the synthesized stack has the description, and nothing else", () => {
  const wardenFunctions = () =>
    Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).filter(([, fn]) => Object.values(HANDLERS).some((handler) => handler.handler === fn.Properties.Handler));

  it("has every function with its handler, timeout, memory and environment", () => {
    const functions = Object.fromEntries(
      wardenFunctions().map(([id, fn]) => {
        const { Handler, Timeout, MemorySize, Environment } = fn.Properties;
        // Leaving out what every function is told beside the description (its name and telemetry settings, the stack's
        // own), and what SST adds to each (SST_*, the SDK's connection reuse).
        const common: string[] = [FUNCTION_ENV.serviceName, FUNCTION_ENV.metricsNamespace, FUNCTION_ENV.logLevel, "AWS_NODEJS_CONNECTION_REUSE_ENABLED"];
        const names = Object.keys(Environment.Variables).filter((name) => !common.includes(name) && !name.startsWith("SST_"));
        return [functionKeyOf({ Ref: id }), { handler: Handler, timeoutSeconds: Timeout, memoryMb: MemorySize, environment: sorted(names) }];
      }),
    );
    const described = Object.fromEntries(
      Object.entries(FUNCTIONS).map(([key, fn]) => [
        key,
        { handler: HANDLERS[key as FunctionKey].handler, timeoutSeconds: fn.timeoutSeconds, memoryMb: fn.memoryMb, environment: describedEnvironment(key as FunctionKey) },
      ]),
    );
    expect(functions).toEqual(described);
  });

  it("invokes asynchronously with the described retries, parking failures in the described dead-letter queue", () => {
    const retries = Object.values(resourcesOfType(template, "AWS::Lambda::EventInvokeConfig")).map((config) => [functionKeyOf(config.Properties.FunctionName), config.Properties.MaximumRetryAttempts]);
    const parking = wardenFunctions().flatMap(([id, fn]) => (fn.Properties.DeadLetterConfig ? [[functionKeyOf({ Ref: id }), queueKeyOf(fn.Properties.DeadLetterConfig.TargetArn)]] : []));
    const described = Object.entries(FUNCTIONS).flatMap(([key, fn]) => ("onFailure" in fn ? [[key, fn.onFailure.retryAttempts, fn.onFailure.deadLetterQueue]] : []));
    expect(sorted(retries.map((pair) => pair.join(" ")))).toEqual(sorted(described.map(([key, attempts]) => `${key} ${attempts}`)));
    expect(sorted(parking.map((pair) => pair.join(" ")))).toEqual(sorted(described.map(([key, , queue]) => `${key} ${queue}`)));
  });

  it("has every queue with its delay, visibility timeout, retention and redrive", () => {
    const queues = Object.fromEntries(
      Object.entries(resourcesOfType(template, "AWS::SQS::Queue")).map(([id, queue]) => {
        const { DelaySeconds, VisibilityTimeout, MessageRetentionPeriod, RedrivePolicy } = queue.Properties;
        const redrive = RedrivePolicy ? { to: queueKeyOf(RedrivePolicy.deadLetterTargetArn), maxReceiveCount: RedrivePolicy.maxReceiveCount } : null;
        return [queueKeyOf({ Ref: id }), { delaySeconds: DelaySeconds ?? 0, visibilityTimeoutSeconds: VisibilityTimeout ?? 30, retentionSeconds: MessageRetentionPeriod, redrive }];
      }),
    );
    expect(queues).toEqual(describedQueues());
  });

  it("subscribes each consumer to its queues with the described batch size", () => {
    const mappings = Object.values(resourcesOfType(template, "AWS::Lambda::EventSourceMapping")).map(
      (mapping) => `${queueKeyOf(mapping.Properties.EventSourceArn)} -> ${functionKeyOf(mapping.Properties.FunctionName)} (batch ${mapping.Properties.BatchSize})`,
    );
    expect(sorted(mappings)).toEqual(describedConsumers());
  });

  it("routes each event pattern to the described queue, and runs each schedule's function, each with its dead-letter queue", () => {
    const stackName = "topology-eks-warden-Warden";
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule")).filter((rule) => !String(rule.Properties.Name).startsWith(`${stackName}-tamper-`));
    const target = (properties: Cfn) => ({ target: functionKeyOf(properties.Arn), deadLetterQueue: queueKeyOf(properties.DeadLetterConfig.Arn) });
    // An event rule sends to its queue, never to a function: only EventBridge feeds the event path.
    const patterns = rules
      .filter((rule) => rule.Properties.EventPattern)
      .map((rule) => ({ name: rule.Properties.Name, pattern: rule.Properties.EventPattern, queue: queueKeyOf(rule.Properties.Targets[0].Arn), deadLetterQueue: queueKeyOf(rule.Properties.Targets[0].DeadLetterConfig.Arn) }));
    expect(patterns).toEqual(Object.values(EVENT_RULES).map((rule) => ({ name: `${stackName}-${rule.name}`, pattern: rule.pattern, queue: rule.queue, deadLetterQueue: rule.deadLetterQueue })));
    const schedules = [
      ...rules.filter((rule) => rule.Properties.ScheduleExpression).map((rule) => ({ expression: rule.Properties.ScheduleExpression, ...target(rule.Properties.Targets[0]) })),
      ...Object.values(resourcesOfType(template, "AWS::Scheduler::Schedule")).map((schedule) => ({ expression: schedule.Properties.ScheduleExpression, ...target(schedule.Properties.Target) })),
    ];
    const described = Object.values(SCHEDULES).map((schedule) => ({ expression: scheduleExpression(schedule.timing, defaultPolicy()), target: schedule.target, deadLetterQueue: deadLetterQueueOf(schedule.target) }));
    expect(sorted(schedules.map((schedule) => JSON.stringify(schedule)))).toEqual(sorted(described.map((schedule) => JSON.stringify(schedule))));
  });

  it("has the described topics", () => {
    expect(sorted(Object.keys(resourcesOfType(template, "AWS::SNS::Topic")).map(constructId))).toEqual(sorted(Object.values(TOPICS).map((topic) => topic.id)));
  });
});

describe("the local system has the description, and nothing else", () => {
  it("runs the handler of every function, and sets the environment the description gives each", async () => {
    const { handlers, environment } = system.topology;
    expect(sorted(Object.keys(handlers))).toEqual(sorted(Object.keys(FUNCTIONS)));
    for (const [key, handler] of Object.entries(handlers)) {
      const path = HANDLERS[key as FunctionKey].handler;
      // The module as the local system imports it, by its file (the same instance the package name gives).
      const file = pathToFileURL(fileURLToPath(new URL(`../${path.slice(0, path.lastIndexOf("."))}.ts`, import.meta.url))).href;
      const deployed = (await import(file)) as Record<string, unknown>;
      expect(handler, key).toBe(deployed[path.slice(path.lastIndexOf(".") + 1)]);
    }
    const described = new Set(Object.keys(FUNCTIONS).flatMap((key) => describedEnvironment(key as FunctionKey)));
    expect(sorted(Object.keys(environment))).toEqual(sorted(described));
    for (const [name, value] of Object.entries(environment)) expect(process.env[name], name).toBe(value);
  });

  it("has every queue with its delay, visibility timeout, retention and redrive, and no other", async () => {
    const sqs = new SQSClient({});
    try {
      const { queues } = system.topology;
      const keyByArn = new Map(Object.entries(queues).map(([key, queue]) => [queue.arn, key]));
      const local: Record<string, unknown> = {};
      for (const [key, queue] of Object.entries(queues)) {
        const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["All"] }))).Attributes ?? {};
        const redrive = attributes["RedrivePolicy"] ? (JSON.parse(attributes["RedrivePolicy"]) as { deadLetterTargetArn: string; maxReceiveCount: number | string }) : undefined;
        local[key] = {
          delaySeconds: Number(attributes["DelaySeconds"]),
          visibilityTimeoutSeconds: Number(attributes["VisibilityTimeout"]),
          retentionSeconds: Number(attributes["MessageRetentionPeriod"]),
          redrive: redrive ? { to: keyByArn.get(redrive.deadLetterTargetArn), maxReceiveCount: Number(redrive.maxReceiveCount) } : null,
        };
      }
      expect(local).toEqual(describedQueues());
      // The run's own queues: the description's, and one subscriber queue per topic (a subscriber's inbox, not the stack's).
      const suffix = queues.settle.url.slice(queues.settle.url.lastIndexOf(localName("settle", "")) + localName("settle", "").length);
      const listed = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "eks-warden-" }))).QueueUrls ?? [];
      const own = listed.filter((url) => url.endsWith(suffix));
      const subscribers = Object.keys(TOPICS).map((key) => localName(`${key}Subscriber`, suffix));
      expect(sorted(own.map((url) => url.slice(url.lastIndexOf("/") + 1)).filter((name) => !subscribers.includes(name)))).toEqual(
        sorted(Object.keys(QUEUES).map((key) => localName(key, suffix))),
      );
    } finally {
      sqs.destroy();
    }
  });

  it("feeds each queue's messages to the described consumer with its batch size", () => {
    expect(sorted(system.topology.wiring.consumers.map((consumer) => `${consumer.queue} -> ${consumer.fn} (batch ${consumer.batchSize})`))).toEqual(describedConsumers());
  });

  it("routes each event pattern to the described queue, consumed by the described function", () => {
    const routes = Object.fromEntries(Object.entries(system.topology.wiring.routes).map(([key, route]) => [key, { pattern: route.pattern, queue: route.queue, fn: route.fn }]));
    expect(routes).toEqual(Object.fromEntries(Object.entries(EVENT_RULES).map(([key, rule]) => [key, { pattern: rule.pattern, queue: rule.queue, fn: queueConsumer(rule.queue) }])));
  });

  it("runs each schedule's described function", () => {
    expect(system.topology.wiring.schedules).toEqual(Object.fromEntries(Object.entries(SCHEDULES).map(([key, schedule]) => [key, schedule.target])));
  });

  it("has the described topics", () => {
    expect(sorted(Object.keys(system.topology.topics))).toEqual(sorted(Object.keys(TOPICS)));
  });
});
