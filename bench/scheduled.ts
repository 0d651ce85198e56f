// The scheduled path at fleet scale: the deployed `sweep` and `digest` handlers on the local system (simulator,
// DynamoDB Local, the SNS/SQS and S3 emulators), N clusters of 2 node groups and 4 add-ons each, every EKS call
// answered after 40 ms (simulator latency fault). Reports wall time beside the ideal (EKS calls x latency /
// concurrency), EKS calls per cluster, version-catalogue lookups per run, and the process's peak memory.
// One local system per process: `node --import tsx bench/scheduled.ts N` measures one fleet size and prints JSON.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SWEEP_CONCURRENCY } from "@eks-warden/core/deployment";
import { startLocalSystem } from "@eks-warden/local";
import { uniformFleet } from "../test/support/fleets.ts";

export const LATENCY_MS = 40;

export interface ScheduledFigure {
  readonly clusters: number;
  readonly run: "sweep" | "digest";
  readonly wallMs: number;
  readonly eksCalls: number;
  readonly idealMs: number;
  readonly callsPerCluster: number;
  readonly catalogueLookups: number;
  readonly peakRssMb: number;
}

async function measure(clusters: number): Promise<ScheduledFigure[]> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const system = await startLocalSystem({ policy: {}, fleet: uniformFleet(clusters, new Date(), { regions: ["eu-west-1"], nodegroups: 2, addons: 4 }) });
  const figures: ScheduledFigure[] = [];
  try {
    system.simulator.faults.set("*", { latencyMs: LATENCY_MS });
    for (const run of ["sweep", "digest"] as const) {
      system.simulator.calls.reset();
      const started = performance.now();
      const result = run === "sweep" ? await system.sweep() : await system.digest();
      const wallMs = performance.now() - started;
      if (result.clusters !== clusters || result.unreadableClusters > 0) throw new Error(`${run}: ${JSON.stringify(result)}`);
      const all = system.simulator.calls.all();
      // EKS calls only (STS GetCallerIdentity is asked once per run and is not an EKS call).
      const eksCalls = Object.entries(all).filter(([operation]) => operation !== "GetCallerIdentity").reduce((sum, [, count]) => sum + count, 0);
      figures.push({
        clusters,
        run,
        wallMs: Math.round(wallMs),
        eksCalls,
        idealMs: Math.round((eksCalls * LATENCY_MS) / SWEEP_CONCURRENCY),
        callsPerCluster: Math.round((eksCalls / clusters) * 100) / 100,
        catalogueLookups: all["DescribeClusterVersions"] ?? 0,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      });
    }
    await system.readNotifications();
  } finally {
    await system.stop();
  }
  return figures;
}

/** Each size in its own process (one local system per process; peak memory per size). */
export function measureScheduled(sizes: readonly number[] = [100, 1000]): ScheduledFigure[] {
  return sizes.flatMap((size) => {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), String(size)], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    if (child.status !== 0) throw new Error(`bench/scheduled.ts ${size} failed (${child.status}): ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ScheduledFigure[];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  process.stdout.write(`${JSON.stringify(await measure(Number(process.argv[2])))}\n`);
}
