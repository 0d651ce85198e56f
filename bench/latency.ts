// `npm run bench -- latency`: `eks-warden scan` and the deployed `sweep` handler against a simulator that answers every
// EKS call after 40 ms (the fleet's faults.eks.latencyMs, docs/faults.md), first without throttling, then with EKS's
// throttling as a token bucket per account and region (faults.eks.rateLimit). Each run is set beside its floor,
// measured in the same run:
// - latency floor: EKS calls x latency / concurrency (what `concurrency` calls at a time, each taking the latency,
//   cannot beat when the calls are made one after the other);
// - rate floor: (calls answered - burst) / perSecond (what the bucket lets through), when it is on.
// The ratio is the wall time over the larger floor (target <= 1.2). Calls and throttles are counted at the
// simulator (attempts, retries included); the rate and the concurrency's lowest value and the highest it came back to are what the scan
// prints and the sweep returns. The scan's wall time is the time it reports for its EKS reads (listing and
// collection, not Node's start); the sweep's is the handler's invocation on the local system (DynamoDB writes
// included). Without throttling, the run is made again with no latency right after it (work alone: the CPU cost of
// the calls and the judging on this machine at this moment, which a loaded machine inflates); the latency's own cost
// is the wall time less that. One local system per process: `node --import tsx bench/latency.ts sweep N 0|1` prints
// one sweep's JSON.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SWEEP_CONCURRENCY } from "@eks-warden/core/deployment";
import { startLocalSystem } from "@eks-warden/local";
import { startSimulator } from "@eks-warden/simulator/index";
import { uniformFleet } from "../test/support/fleets.ts";
import { median } from "./stats.ts";

export const LATENCY_MS = 40;
/**
 * EKS publishes no per-operation API rate: it throttles each account per region with a token bucket and answers
 * ThrottlingException. This bucket (10 calls a second after a burst of 20) is far below what 4 clusters at once ask
 * at 40 ms a call (100 a second), so the run has to back off to stay at the bucket's rate.
 */
export const EKS_RATE_LIMIT = { perSecond: 10, burst: 20 } as const;
export const SCAN_CONCURRENCY = 4;
export const RATIO_TARGET = 1.2;

export interface LatencyFigure {
  readonly run: "scan" | "sweep";
  readonly throttling: boolean;
  readonly clusters: number;
  readonly concurrency: number;
  /** EKS attempts that reached the simulator, and those the bucket refused. */
  readonly calls: number;
  readonly throttles: number;
  readonly wallMs: number;
  readonly latencyFloorMs: number;
  readonly rateFloorMs: number;
  readonly ratio: number;
  /**
   * Without throttling: the same run again at once with no latency (the same simulator or local system), i.e. the
   * work itself on this machine at this moment; wallMs less it is what the latency cost.
   */
  readonly workAloneMs?: number;
  /** Calls per second as the scan or the sweep reports it. */
  readonly perSecond: number;
  /** The concurrency's lowest value, and the highest it came back to after it. */
  readonly lowest: number;
  readonly recoveredTo: number;
}

const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = fileURLToPath(new URL("../packages/cli/src/main.ts", import.meta.url));
const NOT_EKS = new Set(["GetCallerIdentity", "GetParameters", "GetParameter"]);

function faultsOf(throttling: boolean): Record<string, unknown> {
  return { seed: 1, eks: { latencyMs: LATENCY_MS, ...(throttling && { rateLimit: EKS_RATE_LIMIT }) } };
}

function floors(calls: number, throttles: number, concurrency: number, throttling: boolean): { latencyFloorMs: number; rateFloorMs: number } {
  const answered = calls - throttles;
  return {
    latencyFloorMs: (answered * LATENCY_MS) / concurrency,
    rateFloorMs: throttling ? (Math.max(0, answered - EKS_RATE_LIMIT.burst) / EKS_RATE_LIMIT.perSecond) * 1000 : 0,
  };
}

function eksCallsOf(all: Readonly<Record<string, number>>): number {
  return Object.entries(all).filter(([operation]) => !NOT_EKS.has(operation)).reduce((sum, [, count]) => sum + count, 0);
}

function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the simulator answering the scan runs in this process.
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: REPO, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The scan's own last line: "N EKS calls in S s (R calls/s), T throttled; concurrency C[, lowest L, back up to U]". */
const RATE_LINE = /(\d+) EKS calls? in ([\d.]+) s \(([\d.]+) calls\/s\), (\d+) throttled; concurrency (\d+)(?:, lowest (\d+), back up to (\d+))?/;

/** One `eks-warden scan --rule endpoint-public-access` (one DescribeCluster per cluster) of a fleet of `clusters`. */
export async function measureLatencyScan(clusters: number, throttling: boolean): Promise<LatencyFigure> {
  const fleet = { ...uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 0, addons: 0 }), faults: faultsOf(throttling) };
  const sim = await startSimulator({ fleet });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: "AKIABENCHLATENCY0001", AWS_SECRET_ACCESS_KEY: "bench", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    delete env["AWS_PROFILE"];
    delete env["AWS_ENDPOINT_URL_EKS"];
    const args = ["scan", "--endpoint-url", sim.url, "--region", "eu-west-1", "--rule", "endpoint-public-access", "--format", "json", "--concurrency", String(SCAN_CONCURRENCY)];
    const result = await runCli(args, env);
    const calls = eksCallsOf(sim.calls.all());
    const throttles = sim.faults.injected().rateLimited;
    let workAloneMs: number | undefined;
    if (!throttling) {
      sim.faults.apply({ eks: { latencyMs: 0, throttleRate: 0, errorRate: 0 } });
      const alone = RATE_LINE.exec((await runCli(args, env)).stderr);
      if (alone) workAloneMs = Number(alone[2]) * 1000;
    }
    // 1: the fleet has open endpoints (FAIL); 4 (a cluster not read) or anything else is a broken run.
    if (result.code !== 1) throw new Error(`scan exited ${result.code}: ${result.stderr.slice(-2000)}`);
    const scanned = (JSON.parse(result.stdout) as { clusters: unknown[] }).clusters.length;
    if (scanned !== clusters) throw new Error(`scan reported ${scanned} clusters, not ${clusters}`);
    const rate = RATE_LINE.exec(result.stderr);
    if (!rate) throw new Error(`scan printed no rate line: ${result.stderr.slice(-1000)}`);
    const wallMs = Number(rate[2]) * 1000;
    const floor = floors(calls, throttles, SCAN_CONCURRENCY, throttling);
    return {
      run: "scan",
      throttling,
      clusters,
      concurrency: SCAN_CONCURRENCY,
      calls,
      throttles,
      wallMs,
      ...floor,
      ratio: wallMs / Math.max(floor.latencyFloorMs, floor.rateFloorMs),
      ...(workAloneMs !== undefined && { workAloneMs }),
      perSecond: Number(rate[3]),
      lowest: Number(rate[6] ?? rate[5]),
      recoveredTo: Number(rate[7] ?? rate[5]),
    };
  } finally {
    await sim.stop();
  }
}

/** One run of the deployed sweep handler on the local system (its own process: one local system per process). */
async function sweepOnce(clusters: number, throttling: boolean): Promise<LatencyFigure> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const fleet = { ...uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 0, addons: 0 }), faults: faultsOf(throttling) };
  const system = await startLocalSystem({ policy: {}, fleet });
  try {
    system.simulator.calls.reset();
    const started = performance.now();
    const run = await system.sweep();
    const wallMs = performance.now() - started;
    if (run.clusters !== clusters || run.unreadableClusters > 0 || run.unreadableRegions > 0) throw new Error(`sweep: ${JSON.stringify(run)}`);
    const calls = eksCallsOf(system.simulator.calls.all());
    const throttles = system.simulator.faults.injected().rateLimited;
    const floor = floors(calls, throttles, SWEEP_CONCURRENCY, throttling);
    let workAloneMs: number | undefined;
    if (!throttling) {
      system.simulator.faults.apply({ eks: { latencyMs: 0, throttleRate: 0, errorRate: 0 } });
      const aloneStarted = performance.now();
      await system.sweep();
      workAloneMs = Math.round(performance.now() - aloneStarted);
    }
    await system.readNotifications();
    return {
      run: "sweep",
      throttling,
      clusters,
      concurrency: SWEEP_CONCURRENCY,
      calls,
      throttles,
      wallMs: Math.round(wallMs),
      ...floor,
      ratio: wallMs / Math.max(floor.latencyFloorMs, floor.rateFloorMs),
      ...(workAloneMs !== undefined && { workAloneMs }),
      perSecond: run.eksCallsPerSecond ?? 0,
      lowest: run.concurrencyLowest ?? SWEEP_CONCURRENCY,
      recoveredTo: run.concurrencyRecoveredTo ?? SWEEP_CONCURRENCY,
    };
  } finally {
    await system.stop();
  }
}

export function measureLatencySweep(clusters: number, throttling: boolean): LatencyFigure {
  const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "sweep", String(clusters), throttling ? "1" : "0"], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  if (child.status !== 0) throw new Error(`bench/latency.ts sweep ${clusters} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as LatencyFigure;
}

export interface LatencyCase {
  readonly run: "scan" | "sweep";
  readonly clusters: number;
  readonly throttling: boolean;
}

/** The bench's cases: fleets large enough for the floor to dwarf start-up costs, small enough for the bucket's pace. */
export const LATENCY_CASES: readonly LatencyCase[] = [
  { run: "scan", clusters: 300, throttling: false },
  { run: "sweep", clusters: 100, throttling: false },
  { run: "scan", clusters: 150, throttling: true },
  { run: "sweep", clusters: 40, throttling: true },
];

export async function measureLatency(cases: readonly LatencyCase[] = LATENCY_CASES, runs = 3): Promise<{ readonly case: LatencyCase; readonly runs: readonly LatencyFigure[]; readonly medianRatio: number }[]> {
  const results = [];
  for (const item of cases) {
    const figures: LatencyFigure[] = [];
    for (let run = 0; run < runs; run += 1) {
      figures.push(item.run === "scan" ? await measureLatencyScan(item.clusters, item.throttling) : measureLatencySweep(item.clusters, item.throttling));
    }
    results.push({ case: item, runs: figures, medianRatio: median(figures.map((figure) => figure.ratio)) });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "sweep") {
  process.stdout.write(`${JSON.stringify(await sweepOnce(Number(process.argv[3]), process.argv[4] === "1"))}\n`);
}
