// `eks-warden scan` on a 300-cluster fleet, spawned as a user runs it against the simulator (--endpoint-url): EKS
// calls per cluster with every rule and with `--rule endpoint-public-access`, counted at the simulator (logical
// calls: no fault is set, so there are no retries), and the wall time of the scan process (median of the runs).
// Each cluster has 2 node groups, 4 add-ons and 4 upgrade insights, one of them in ERROR or WARNING on two clusters
// in three (test/support/fleets.ts upgradeInsights), so DescribeInsight is counted where it is called.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSimulator } from "@eks-warden/simulator/index";
import { uniformFleet } from "../test/support/fleets.ts";
import { median } from "./stats.ts";

export const SCAN_FLEET_CLUSTERS = 300;
const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = fileURLToPath(new URL("../packages/cli/src/main.ts", import.meta.url));

export interface ScanFigure {
  readonly scan: string;
  readonly args: readonly string[];
  readonly clusters: number;
  /** EKS calls of one scan, by operation (STS GetCallerIdentity and SSM GetParameters apart). */
  readonly eksCalls: Readonly<Record<string, number>>;
  readonly eksCallsTotal: number;
  readonly eksCallsPerCluster: number;
  readonly otherCalls: Readonly<Record<string, number>>;
  readonly wallMsRuns: readonly number[];
  readonly wallMsMedian: number;
}

const NOT_EKS = new Set(["GetCallerIdentity", "GetParameters", "GetParameter"]);

function runScan(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Asynchronous: the simulator answering the scan runs in this process.
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "scan", ...args], { cwd: REPO, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - started }));
  });
}

export async function measureScan(clusters = SCAN_FLEET_CLUSTERS, runs = 3): Promise<ScanFigure[]> {
  const sim = await startSimulator({ fleet: uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 2, addons: 4, insights: true }) });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIABENCHSCANUSER001",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: sim.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  delete env["AWS_PROFILE"];
  delete env["AWS_ENDPOINT_URL_EKS"];
  const scans = [
    { scan: "every rule", args: ["--endpoint-url", sim.url, "--region", "eu-west-1", "--format", "json"] },
    { scan: "--rule endpoint-public-access", args: ["--endpoint-url", sim.url, "--region", "eu-west-1", "--format", "json", "--rule", "endpoint-public-access"] },
    // The fleet grants no cluster admin: this one finds nothing (exit 0); it is here for what it reads.
    { scan: "--rule access-cluster-admin", args: ["--endpoint-url", sim.url, "--region", "eu-west-1", "--format", "json", "--rule", "access-cluster-admin"], exitCode: 0 },
  ];
  const figures: ScanFigure[] = [];
  try {
    for (const { scan, args, exitCode = 1 } of scans) {
      const wallMsRuns: number[] = [];
      let counted: Record<string, number> = {};
      for (let run = 0; run < runs; run += 1) {
        sim.calls.reset();
        const result = await runScan(args, env);
        // 1: some FAIL found (the fleet has open endpoints and failing insights); anything else is a broken run.
        if (result.code !== exitCode) throw new Error(`scan ${args.join(" ")} exited ${result.code}: ${result.stderr.slice(-2000)}`);
        const scanned = (JSON.parse(result.stdout) as { clusters: unknown[] }).clusters.length;
        if (scanned !== clusters) throw new Error(`scan ${args.join(" ")} reported ${scanned} clusters, not ${clusters}`);
        wallMsRuns.push(Math.round(result.wallMs));
        counted = sim.calls.all();
      }
      const eksCalls = Object.fromEntries(Object.entries(counted).filter(([operation]) => !NOT_EKS.has(operation)).sort());
      const otherCalls = Object.fromEntries(Object.entries(counted).filter(([operation]) => NOT_EKS.has(operation)).sort());
      const eksCallsTotal = Object.values(eksCalls).reduce((sum, count) => sum + count, 0);
      figures.push({
        scan,
        args: args.map((arg) => (arg === sim.url ? "URL" : arg)),
        clusters,
        eksCalls,
        eksCallsTotal,
        eksCallsPerCluster: Math.round((eksCallsTotal / clusters) * 100) / 100,
        otherCalls,
        wallMsRuns,
        wallMsMedian: median(wallMsRuns),
      });
    }
  } finally {
    await sim.stop();
  }
  return figures;
}
