// The declared IAM actions must cover every SDK command the adapters send: read from the adapters' own source, so
// a new command without its permission fails here rather than in a deployed function with AccessDenied.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALERTS_TOPIC_ACTIONS, EKS_COLLECT_ACTIONS, EKS_INVENTORY_ACTIONS, EKS_REMEDIATION_ACTIONS, EKS_SETTLE_ACTIONS, SETTLE_QUEUE_SEND_ACTIONS, STATE_TABLE_ACTIONS } from "../../src/aws/permissions.ts";

function commandsSent(adapter: string): string[] {
  const source = readFileSync(new URL(`../../src/aws/${adapter}.ts`, import.meta.url), "utf8");
  return [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((match) => match[1]!))].sort();
}

describe("adapter permissions", () => {
  it("cover every EKS, DynamoDB, SNS and SQS command the adapters send, and nothing uses a wildcard", () => {
    expect(commandsSent("eks").map((name) => `eks:${name}`).sort()).toEqual([...EKS_COLLECT_ACTIONS, ...EKS_SETTLE_ACTIONS, ...EKS_INVENTORY_ACTIONS, ...EKS_REMEDIATION_ACTIONS].sort());
    const table = new Set<string>(STATE_TABLE_ACTIONS);
    for (const command of commandsSent("dynamodb")) {
      const action = command === "TransactWrite" ? "dynamodb:PutItem" : `dynamodb:${command.replace(/^(Put|Update|Delete)$/, "$1Item")}`;
      expect(table.has(action), action).toBe(true);
    }
    expect(commandsSent("sns").map((name) => `sns:${name}`)).toEqual([...ALERTS_TOPIC_ACTIONS]);
    expect(commandsSent("sqs").map((name) => `sqs:${name}`)).toEqual([...SETTLE_QUEUE_SEND_ACTIONS]);
    for (const action of [...EKS_COLLECT_ACTIONS, ...STATE_TABLE_ACTIONS]) expect(action).not.toContain("*");
  });
});
