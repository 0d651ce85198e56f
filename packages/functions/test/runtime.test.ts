// Cold-start configuration of the real-time handlers: what a deployment mistake looks like in the logs.
import { describe, expect, it } from "vitest";
import { Logger } from "@aws-lambda-powertools/logger";
import { PolicyError, TopicNotConfigured } from "@eks-warden/core";
import { ConfigurationError, depsFromEnvironment, policyFromEnvironment, scheduledDepsFromEnvironment } from "../src/lib/runtime.ts";

const complete = {
  POLICY: JSON.stringify({ remediation: { mode: "off" } }),
  TABLE_NAME: "state",
  ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:alerts",
  SETTLE_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/settle",
  AWS_REGION: "eu-west-1",
};

describe("cold-start configuration", () => {
  it("names a missing variable and what it must hold", () => {
    expect(() => policyFromEnvironment({})).toThrow(new ConfigurationError("environment variable POLICY is missing: expected the deployment policy as JSON (the stack sets it)"));
    const { TABLE_NAME: _missing, ...noTable } = complete;
    expect(() => depsFromEnvironment(new Logger(), noTable)).toThrow("environment variable TABLE_NAME is missing: expected the state table's name");
  });

  it("says when POLICY is not JSON, and passes on the policy's own field errors", () => {
    expect(() => policyFromEnvironment({ POLICY: "{remediation" })).toThrow(/^environment variable POLICY: expected JSON, got text that does not parse/);
    expect(() => policyFromEnvironment({ POLICY: JSON.stringify({ remediation: { mode: "sometimes" } }) })).toThrow(PolicyError);
  });

  it("reads the settle timing, refusing what SQS cannot do", () => {
    const deps = depsFromEnvironment(new Logger(), { ...complete, SETTLE_DELAY_SECONDS: "0", SETTLE_MAX_DELAY_SECONDS: "120", SETTLE_MAX_ATTEMPTS: "10" });
    expect(deps.settings).toEqual({ settleDelaySeconds: 0, maxSettleDelaySeconds: 120, maxSettleAttempts: 10 });
    expect(deps.policy.remediation.mode).toBe("off");
    expect(() => depsFromEnvironment(new Logger(), { ...complete, SETTLE_DELAY_SECONDS: "1200" })).toThrow("SETTLE_DELAY_SECONDS: expected whole seconds 0-900, got \"1200\"");
    expect(() => depsFromEnvironment(new Logger(), { ...complete, SETTLE_MAX_ATTEMPTS: "many" })).toThrow("SETTLE_MAX_ATTEMPTS: expected a whole number >= 1, got \"many\"");
  });
});

describe("history retention", () => {
  it("reads HISTORY_RETENTION_DAYS (the stack's historyRetentionDays), refusing what is not whole days", async () => {
    const { historyRetentionDays } = await import("../src/lib/runtime.ts");
    expect(historyRetentionDays({ HISTORY_RETENTION_DAYS: "400" })).toBe(400);
    expect(historyRetentionDays({})).toBeUndefined();
    expect(() => historyRetentionDays({ HISTORY_RETENTION_DAYS: "0" })).toThrow('HISTORY_RETENTION_DAYS: expected whole days >= 1, got "0"');
    expect(() => historyRetentionDays({ HISTORY_RETENTION_DAYS: "a year" })).toThrow("HISTORY_RETENTION_DAYS: expected whole days >= 1");
    expect(() => depsFromEnvironment(new Logger(), { ...complete, HISTORY_RETENTION_DAYS: "-3" })).toThrow(ConfigurationError);
  });

  it("names a missing dead-letter queue or archive for the dead-letter function, and routes each queue to its archive", async () => {
    const { deadLetterRoutesFromEnvironment } = await import("../src/lib/dead-letter-routes.ts");
    const env = {
      AWS_REGION: "eu-west-1",
      CLUSTER_EVENT_DEAD_LETTER_QUEUE_ARN: "arn:aws:sqs:eu-west-1:111122223333:ce-dlq",
      CLUSTER_EVENT_DEAD_LETTER_ARCHIVE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/ce-archive",
      SETTLE_DEAD_LETTER_QUEUE_ARN: "arn:aws:sqs:eu-west-1:111122223333:settle-dlq",
      SETTLE_DEAD_LETTER_ARCHIVE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/settle-archive",
    };
    const routes = deadLetterRoutesFromEnvironment(env);
    expect([...routes].map(([queueArn, route]) => [queueArn, route.source, route.archiveName])).toEqual([
      ["arn:aws:sqs:eu-west-1:111122223333:ce-dlq", "cluster-event", "ce-archive"],
      ["arn:aws:sqs:eu-west-1:111122223333:settle-dlq", "settle", "settle-archive"],
    ]);
    expect(() => deadLetterRoutesFromEnvironment({ ...env, SETTLE_DEAD_LETTER_ARCHIVE_URL: "" })).toThrow("environment variable SETTLE_DEAD_LETTER_ARCHIVE_URL is missing");
    expect(() => deadLetterRoutesFromEnvironment({ ...env, CLUSTER_EVENT_DEAD_LETTER_QUEUE_ARN: undefined })).toThrow(ConfigurationError);
  });

  it("names a missing health topic for the tamper function", async () => {
    const { noticeTargetsFromEnvironment } = await import("../src/lib/notice-targets.ts");
    expect(() => noticeTargetsFromEnvironment({ ALERTS_TOPIC_ARN: complete.ALERTS_TOPIC_ARN })).toThrow("environment variable HEALTH_TOPIC_ARN is missing");
    const healthOnly = noticeTargetsFromEnvironment({ HEALTH_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:health", AWS_REGION: "eu-west-1" });
    expect(healthOnly.alerts).toBe(false);
    await expect(healthOnly.publisher.publish("alerts", { subject: "s", message: "{}", messageStructure: "json", attributes: {} })).rejects.toBeInstanceOf(TopicNotConfigured);
  });
});

describe("the local wait scale (LOCAL_WAIT_SCALE: the local system's faults.waitScale; the stack never sets it)", () => {
  const sweepEnv = { POLICY: complete.POLICY, TABLE_NAME: complete.TABLE_NAME, ALERTS_TOPIC_ARN: complete.ALERTS_TOPIC_ARN, AWS_REGION: complete.AWS_REGION };

  it("leaves the sweep's throttle backoff to its real-time default when absent, as deployed", () => {
    expect(scheduledDepsFromEnvironment(new Logger(), sweepEnv).sleep).toBeUndefined();
  });

  it("shortens the sweep's throttle backoff to that share of real time when set", async () => {
    const { sleep } = scheduledDepsFromEnvironment(new Logger(), { ...sweepEnv, LOCAL_WAIT_SCALE: "0.001" });
    const started = performance.now();
    // The sweep's first backoff is 2 s (DEFAULT_THROTTLE_RETRY): scaled, 2 ms.
    await sleep!(2_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("names a scale it cannot use at cold start", () => {
    expect(() => scheduledDepsFromEnvironment(new Logger(), { ...sweepEnv, LOCAL_WAIT_SCALE: "5" })).toThrow(/LOCAL_WAIT_SCALE: expected a share of real time above 0 and at most 1/);
  });
});
