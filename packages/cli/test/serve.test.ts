// `eks-warden serve` end to end: it prints its endpoints, a real SDK client drives the simulator through them as the
// AWS CLI would, the alert streams to the terminal, and Ctrl-C (SIGINT) leaves no Java or emulator process behind.
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EKSClient, UpdateClusterConfigCommand } from "@aws-sdk/client-eks";
import { wardenInBackground } from "./scenario-helpers.ts";

function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function dynamoDbLocalProcesses(port: string): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("DynamoDBLocal") && line.includes(`-port ${port}`));
}

describe("eks-warden serve", () => {
  let serve: ReturnType<typeof wardenInBackground>;
  beforeAll(() => {
    serve = wardenInBackground(["serve", "--time-scale", "120"]);
  });
  afterAll(() => {
    if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
  });

  it("prints the endpoints and export lines, streams the alert of a call made through them, and stops everything on Ctrl-C", async () => {
    await serve.waitFor(/eks-warden serve: ready/, 90_000);
    const output = serve.output();
    const simulatorUrl = /^export AWS_ENDPOINT_URL_EKS=(\S+)$/m.exec(output)![1]!;
    expect(output).toContain(`export AWS_ENDPOINT_URL_STS=${simulatorUrl}`);
    const [, accessKeyId, secretAccessKey] = /^export AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)\s+# alice/m.exec(output)!;
    expect(output).toContain(`aws eks update-cluster-config --endpoint-url ${simulatorUrl} --region eu-west-1`);
    const dynamoUrl = /DynamoDB Local: (http:\/\/\S+)/.exec(output)![1]!;
    const snsUrl = /SNS\/SQS:\s+(http:\/\/\S+)/.exec(output)![1]!;
    const dynamoPort = new URL(dynamoUrl).port;
    expect(dynamoDbLocalProcesses(dynamoPort).length).toBeGreaterThan(0);
    // Every endpoint an AWS CLI or SDK needs, and the region for the AWS CLI v1 too (it reads only AWS_DEFAULT_REGION).
    expect(output).toMatch(/^export AWS_REGION=eu-west-1$/m);
    expect(output).toMatch(/^export AWS_DEFAULT_REGION=eu-west-1$/m);
    expect(output).toContain(`export AWS_ENDPOINT_URL_DYNAMODB=${dynamoUrl}\n`);
    expect(output).toContain(`export AWS_ENDPOINT_URL_SNS=${snsUrl}\n`);
    expect(output).toContain(`export AWS_ENDPOINT_URL_SQS=${snsUrl}\n`);

    // The sweep at start has run once the watch begins.
    await serve.waitFor(/== watching/, 60_000);
    expect(serve.output()).toContain("ALERT  [CRITICAL] web-public (eu-west-1): EKS API endpoint open to 0.0.0.0/0");

    // alice opens payments-prod, through the printed endpoint, as the AWS CLI would.
    const eks = new EKSClient({ region: "eu-west-1", endpoint: simulatorUrl, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! }, maxAttempts: 1 });
    const reply = await eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }));
    eks.destroy();
    expect(reply.update?.status).toBe("InProgress");
    await serve.waitFor(/CALL {3}UpdateClusterConfig payments-prod \(eu-west-1\) by arn:aws:iam::111111111111:user\/alice from 198\.51\.100\.23/, 20_000);
    await serve.waitFor(/ALERT {2}\[CRITICAL\] \[CHANGE IN PROGRESS\] payments-prod \(eu-west-1\): EKS API endpoint opening to 0\.0\.0\.0\/0/, 20_000);
    // The settle check's completion: the update EKS finished and what the evaluation after it found (issue 25, item 12).
    const updateId = reply.update!.id!;
    const settled = await serve.waitFor(/SETTLED payments-prod \(eu-west-1\): UpdateClusterConfig EndpointAccessUpdate (\S+) Successful; (\d+) rules evaluated, 1 failing: endpoint-public-access CRITICAL$/m, 40_000);
    expect(settled[1]).toBe(updateId);
    expect(Number(settled[2])).toBeGreaterThan(1);

    serve.child.kill("SIGINT");
    const code = await serve.exited;
    expect(code).toBe(130);
    expect(serve.output()).toContain("SIGINT: stopping the simulator, the SNS/SQS emulator and DynamoDB Local");
    expect(dynamoDbLocalProcesses(dynamoPort)).toEqual([]);
    expect(await listening(simulatorUrl)).toBe(false);
    expect(await listening(snsUrl)).toBe(false);
    expect(await listening(dynamoUrl)).toBe(false);
  }, 150_000);
});

describe("eks-warden serve and SIGTERM", () => {
  it("stops everything on SIGTERM as on Ctrl-C", async () => {
    const serve = wardenInBackground(["serve", "--time-scale", "0"]);
    try {
      await serve.waitFor(/eks-warden serve: ready/, 90_000);
      const dynamoPort = new URL(/DynamoDB Local: (http:\/\/\S+)/.exec(serve.output())![1]!).port;
      expect(dynamoDbLocalProcesses(dynamoPort).length).toBeGreaterThan(0);
      serve.child.kill("SIGTERM");
      expect(await serve.exited).toBe(143);
      expect(serve.output()).toContain("SIGTERM: stopping");
      expect(dynamoDbLocalProcesses(dynamoPort)).toEqual([]);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  }, 120_000);
});
