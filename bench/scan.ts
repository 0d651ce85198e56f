// `eks-warden scan` on a 300-cluster fleet, spawned as a user runs it against the simulator (--endpoint-url): EKS
// calls per cluster with every rule and with `--rule endpoint-public-access`, counted at the simulator (logical
// calls: no fault is set, so there are no retries), and the wall time of the scan process (median of the runs).
// Each cluster has 2 node groups, 4 add-ons and 4 upgrade insights, one of them in ERROR or WARNING on two clusters
// in three (test/support/fleets.ts upgradeInsights), so DescribeInsight is counted where it is called.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "@eks-warden/simulator/index";
import { CLI_ENTRY } from "../packages/cli/test/scenario-helpers.ts";
import { uniformFleet } from "../test/support/fleets.ts";
import { median } from "./stats.ts";

export const SCAN_FLEET_CLUSTERS = 300;
const REPO = fileURLToPath(new URL("..", import.meta.url));
// The CLI as users run it (the bin script and its built JavaScript): the CPU measured is the compiled CLI's.
const MAIN = CLI_ENTRY[0]!;
const FLOOR = fileURLToPath(new URL("./scan-floor.ts", import.meta.url));
const CPU_AT_EXIT = fileURLToPath(new URL("./cpu-at-exit.mjs", import.meta.url));

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
    const child = spawn(process.execPath, [...CLI_ENTRY, "scan", ...args], { cwd: REPO, env });
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
  const env = scanEnv(sim.url);
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

// CPU per cluster. `eks-warden scan` and its floor (bench/scan-floor.ts: the same EKS calls through the raw SDK client,
// nothing else) are spawned against the simulator, each on the fleet and on an empty fleet (start-up: node, tsx,
// imports, STS, ListClusters), interleaved run by run; each process reports its own CPU at exit (cpu-at-exit.mjs), so
// the simulator's CPU, in this process, is never counted. CPU per cluster beyond start-up = (fleet - empty) / clusters.

/** The targets, ms of CPU per cluster beyond start-up. */
export const SCAN_CPU_TARGETS = [
  { scan: "--rule endpoint-public-access", clusters: 5000, floor: "endpoint", args: ["--rule", "endpoint-public-access"], targetMs: 1.0 },
  { scan: "every rule", clusters: 1000, floor: "every", args: [], targetMs: 5.0 },
] as const;

export interface ScanCpuFigure {
  readonly scan: string;
  readonly clusters: number;
  readonly targetMs: number;
  /** CPU per cluster beyond start-up, ms, per run: the scan's and its floor's. */
  readonly scanMsRuns: readonly number[];
  readonly floorMsRuns: readonly number[];
  /** The scan's CPU at start-up (empty fleet), ms, per run. */
  readonly startUpMsRuns: readonly number[];
  readonly scanMsMedian: number;
  readonly floorMsMedian: number;
  /** scan / floor, per run (each run's pair measured back to back) and their median. */
  readonly ratioRuns: readonly number[];
  readonly ratioMedian: number;
  readonly peakRssMbMedian: number;
}

interface CpuRun {
  readonly cpuMs: number;
  readonly maxRssKb: number;
  readonly stdoutBytes: number;
  readonly stderr: string;
  readonly code: number | null;
}

/** A process spawned with cpu-at-exit preloaded; its stdout counted (as a pipe reader would), not kept. */
function runMeasured(script: string, args: readonly string[], env: NodeJS.ProcessEnv, scratch: string): Promise<CpuRun> {
  const out = join(scratch, `cpu-${process.hrtime.bigint()}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", CPU_AT_EXIT, script, ...args], { cwd: REPO, env: { ...env, BENCH_CPU_OUT: out }, stdio: ["ignore", "pipe", "pipe"] });
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        const { cpuMs, maxRssKb } = JSON.parse(readFileSync(out, "utf8")) as { cpuMs: number; maxRssKb: number };
        resolve({ cpuMs, maxRssKb, stdoutBytes, stderr, code });
      } catch (error) {
        reject(new Error(`${script} ${args.join(" ")} exited ${code} without its CPU figure: ${stderr.slice(-2000)}`, { cause: error }));
      }
    });
  });
}

/** The environment of a CLI spawned against the simulator at `url`: its STS there, no profile, no other endpoint. */
export function scanEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIABENCHSCANUSER001",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  delete env["AWS_PROFILE"];
  delete env["AWS_ENDPOINT_URL_EKS"];
  return env;
}

/**
 * The EKS calls of the floor (bench/scan-floor.ts) on `clusters` of the bench's fleet, by operation, counted at the
 * simulator as measureScan counts the scan's: a floor that made fewer calls than the scan would put the SDK's cost of
 * the missing calls on the scan's own account (its ratio to the floor too high).
 */
export async function measureFloorCalls(clusters: number, mode: "endpoint" | "every"): Promise<Record<string, number>> {
  const sim = await startSimulator({ fleet: uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 2, addons: 4, insights: true }) });
  const scratch = mkdtempSync(join(tmpdir(), "warden-bench-floor-"));
  try {
    const result = await runMeasured(FLOOR, [sim.url, mode], scanEnv(sim.url), scratch);
    if (result.code !== 0) throw new Error(`floor exited ${result.code}: ${result.stderr.slice(-2000)}`);
    return Object.fromEntries(Object.entries(sim.calls.all()).filter(([operation]) => !NOT_EKS.has(operation)).sort());
  } finally {
    await sim.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** CPU per cluster of `scan` (as SCAN_CPU_TARGETS lists them) and of its floor, `runs` interleaved runs each. */
export async function measureScanCpu(targets: readonly (typeof SCAN_CPU_TARGETS)[number][] = SCAN_CPU_TARGETS, runs = 3, clustersOverride?: number): Promise<ScanCpuFigure[]> {
  const scratch = mkdtempSync(join(tmpdir(), "warden-bench-cpu-"));
  const empty = await startSimulator({ fleet: { defaultAccount: "123456789012", defaultRegion: "eu-west-1", clusters: [] } });
  const figures: ScanCpuFigure[] = [];
  try {
    for (const target of targets) {
      const clusters = clustersOverride ?? target.clusters;
      const sim = await startSimulator({ fleet: uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 2, addons: 4, insights: true }) });
      const scanArgs = (url: string) => ["scan", "--endpoint-url", url, "--region", "eu-west-1", "--format", "json", ...target.args];
      const scanOn = async (url: string, expected: number) => {
        const result = await runMeasured(MAIN, scanArgs(url), scanEnv(url), scratch);
        // 0 or 1 (FAILs found); and the summary line must count every cluster: anything else is a broken run.
        if ((result.code !== 0 && result.code !== 1) || !result.stderr.includes(`eks-warden scan: ${expected} cluster`)) throw new Error(`scan of ${expected} clusters exited ${result.code}: ${result.stderr.slice(-2000)}`);
        return result;
      };
      const floorOn = async (url: string, expected: number) => {
        const result = await runMeasured(FLOOR, [url, target.floor], scanEnv(url), scratch);
        if (result.code !== 0 || result.stdoutBytes === 0) throw new Error(`floor of ${expected} clusters exited ${result.code}: ${result.stderr.slice(-2000)}`);
        return result;
      };
      const scanMsRuns: number[] = [];
      const floorMsRuns: number[] = [];
      const startUpMsRuns: number[] = [];
      const ratioRuns: number[] = [];
      const rss: number[] = [];
      try {
        for (let run = 0; run < runs; run += 1) {
          const scanStart = await scanOn(empty.url, 0);
          const scanFleet = await scanOn(sim.url, clusters);
          const floorStart = await floorOn(empty.url, 0);
          const floorFleet = await floorOn(sim.url, clusters);
          const scanMs = (scanFleet.cpuMs - scanStart.cpuMs) / clusters;
          const floorMs = (floorFleet.cpuMs - floorStart.cpuMs) / clusters;
          scanMsRuns.push(scanMs);
          floorMsRuns.push(floorMs);
          startUpMsRuns.push(scanStart.cpuMs);
          ratioRuns.push(scanMs / floorMs);
          rss.push(scanFleet.maxRssKb / 1024);
        }
      } finally {
        await sim.stop();
      }
      figures.push({
        scan: target.scan,
        clusters,
        targetMs: target.targetMs,
        scanMsRuns,
        floorMsRuns,
        startUpMsRuns,
        scanMsMedian: median(scanMsRuns),
        floorMsMedian: median(floorMsRuns),
        ratioRuns,
        ratioMedian: median(ratioRuns),
        peakRssMbMedian: median(rss),
      });
    }
  } finally {
    await empty.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  return figures;
}
