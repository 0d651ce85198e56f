// The standalone bin: prints its endpoint and the variables to export, serves, and stops cleanly on SIGTERM.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ListClustersCommand } from "@aws-sdk/client-eks";
import { describe, expect, it } from "vitest";
import { SAMPLE_FLEET } from "./helpers.ts";
import { EKSClient } from "@aws-sdk/client-eks";

const BIN = fileURLToPath(new URL("../bin/eks-simulator.js", import.meta.url));

function startBin(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the simulator bin");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("eks-simulator bin", () => {
  it("serves the fleet file on a free port and exits 0 on SIGTERM", async () => {
    const bin = startBin(["--fleet", SAMPLE_FLEET, "--port", "0", "--time-scale", "0"]);
    try {
      await waitFor(() => bin.output().stdout.includes("AWS_ENDPOINT_URL_STS="));
      const { stdout } = bin.output();
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stdout).toContain(`export AWS_ENDPOINT_URL_EKS=${url}`);
      expect(stdout).toContain(`export AWS_ENDPOINT_URL_SSM=${url}`);
      const eks = new EKSClient({ endpoint: url!, region: "eu-west-1", credentials: { accessKeyId: "AKIAALICEEXAMPLE0001", secretAccessKey: "x" } });
      expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual(["payments-prod", "web-public"]);
      eks.destroy();
      // With --time-scale 0 the clock stands still until advanced from outside.
      const advanced = await fetch(`${url}/_sim/clock/advance?ms=60000`, { method: "POST" });
      expect(await advanced.json()).toEqual({ now: "2026-11-29T09:01:00.000Z", pending: 0 });
      expect((await fetch(`${url}/_sim/clock/advance?ms=-5`, { method: "POST" })).status).toBe(400);
    } finally {
      bin.child.kill("SIGTERM");
    }
    expect(await bin.exited).toBe(0);
    expect(bin.output().stdout).toContain("EKS simulator stopped");
  });

  it("exits 1 naming the bad field of an invalid fleet file, and 2 without --fleet", async () => {
    const invalid = fileURLToPath(new URL("./fleets/invalid.json", import.meta.url));
    const bad = startBin(["--fleet", invalid]);
    expect(await bad.exited).toBe(1);
    expect(bad.output().stderr).toContain("clusters[0].cluster.resourcesVpcConfig.publicAccessCidrs[0]: expected a CIDR");
    const usage = startBin([]);
    expect(await usage.exited).toBe(2);
    expect(usage.output().stderr).toContain("--fleet is required");
  });
});
