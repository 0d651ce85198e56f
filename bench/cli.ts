// The CLI's start-up: fresh processes of the built `eks-warden` (packages/cli/bin/eks-warden.js, as installed), each
// timed from spawn to exit, 15 runs of each, interleaved so that load on the machine falls on all alike. Ratios are to
// `node -e 0` timed in the same runs. Targets (issue 23): `--help` at most 3x `node -e 0`; scan's start-up at most
// 1.5x `--help`.
// Scan's start-up is a whole `scan` of an empty fleet (the simulator, in this process, with no clusters): everything
// a scan does before its first cluster (load the command, the rules and the SDK clients, resolve credentials, ask STS
// who the caller is, list the region's clusters) and after its last (the report). `scan --help` is timed too, but it
// is not the start-up: it stops before the SDK clients load. The floor under scan's start-up is what Node takes to
// import the SDK clients a scan cannot start without (EKS, STS), timed in the same runs.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "@eks-warden/simulator/index";
import { CLI_ENTRY } from "../packages/cli/test/scenario-helpers.ts";
import { median } from "./stats.ts";
import { scanEnv } from "./scan.ts";

export const CLI_RUNS = 15;
/** `eks-warden --help` at most this many times `node -e 0`. */
export const HELP_RATIO_TARGET = 3;
/** Scan's start-up at most this many times `eks-warden --help`. */
export const SCAN_START_RATIO_TARGET = 1.5;

const REPO = fileURLToPath(new URL("..", import.meta.url));
/** Where core's own SDK clients resolve from (a workspace may hold its own copy). */
const CORE = fileURLToPath(new URL("../packages/core/", import.meta.url));
/** The SDK clients every scan loads before it can list a cluster. */
export const SCAN_SDK_CLIENTS = ["@aws-sdk/client-eks", "@aws-sdk/client-sts"] as const;

export interface CliProcessFigure {
  readonly name: string;
  readonly command: string;
  readonly msRuns: readonly number[];
  readonly msMedian: number;
  /** msMedian / the median of `node -e 0`. */
  readonly ratio: number;
}

export interface CliFigures {
  readonly runs: number;
  readonly node: CliProcessFigure;
  readonly version: CliProcessFigure;
  readonly help: CliProcessFigure;
  readonly scanHelp: CliProcessFigure;
  readonly scanStart: CliProcessFigure;
  /** Node importing SCAN_SDK_CLIENTS and nothing else. */
  readonly sdkFloor: CliProcessFigure;
  /** scanStart's median over help's: the target is SCAN_START_RATIO_TARGET. */
  readonly scanStartOverHelp: number;
}

interface Timed {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function timed(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Asynchronous: the simulator answering the scan runs in this process.
    const child = spawn(process.execPath, args, { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

export async function measureCli(runs = CLI_RUNS): Promise<CliFigures> {
  const sim = await startSimulator({ fleet: { clusters: [] } });
  const env: NodeJS.ProcessEnv = { ...scanEnv(sim.url), NO_COLOR: "1", AWS_ACCESS_KEY_ID: "AKIABENCHCLISTART001" };
  const floorScript = SCAN_SDK_CLIENTS.map((name) => `await import(${JSON.stringify(name)});`).join(" ");
  const processes = [
    { name: "node", command: "node -e 0", args: ["-e", "0"], cwd: REPO, expect: (run: Timed) => run.code === 0 },
    { name: "version", command: "eks-warden --version", args: [...CLI_ENTRY, "--version"], cwd: REPO, expect: (run: Timed) => run.code === 0 && run.stdout.startsWith("eks-warden ") },
    { name: "help", command: "eks-warden --help", args: [...CLI_ENTRY, "--help"], cwd: REPO, expect: (run: Timed) => run.code === 0 && run.stdout.includes("Commands:") },
    { name: "scanHelp", command: "eks-warden scan --help", args: [...CLI_ENTRY, "scan", "--help"], cwd: REPO, expect: (run: Timed) => run.code === 0 && run.stdout.includes("--endpoint-url") },
    {
      name: "scanStart",
      command: "eks-warden scan --endpoint-url URL --region eu-west-1 --format json (an empty fleet)",
      args: [...CLI_ENTRY, "scan", "--endpoint-url", sim.url, "--region", "eu-west-1", "--format", "json"],
      cwd: REPO,
      expect: (run: Timed) => run.code === 0 && (JSON.parse(run.stdout) as { clusters: unknown[] }).clusters.length === 0,
    },
    { name: "sdkFloor", command: `node --input-type=module -e '${floorScript}' (the floor: ${SCAN_SDK_CLIENTS.join(", ")})`, args: ["--input-type=module", "-e", floorScript], cwd: CORE, expect: (run: Timed) => run.code === 0 },
  ] as const;
  const times = new Map<string, number[]>(processes.map((entry) => [entry.name, []]));
  try {
    for (let run = 0; run < runs; run += 1) {
      for (const entry of processes) {
        const result = await timed(entry.args, entry.cwd, env);
        if (!entry.expect(result)) throw new Error(`${entry.command} exited ${result.code}: ${result.stderr.slice(-2000)}`);
        times.get(entry.name)!.push(result.ms);
      }
    }
  } finally {
    await sim.stop();
  }
  const nodeMedian = median(times.get("node")!);
  const figure = (name: (typeof processes)[number]["name"]): CliProcessFigure => {
    const entry = processes.find((candidate) => candidate.name === name)!;
    const msRuns = times.get(name)!;
    return { name, command: entry.command, msRuns, msMedian: median(msRuns), ratio: median(msRuns) / nodeMedian };
  };
  const help = figure("help");
  const scanStart = figure("scanStart");
  return {
    runs,
    node: figure("node"),
    version: figure("version"),
    help,
    scanHelp: figure("scanHelp"),
    scanStart,
    sdkFloor: figure("sdkFloor"),
    scanStartOverHelp: scanStart.msMedian / help.msMedian,
  };
}

/** What a start reads of the built CLI: the files a module imports statically, transitively, and what they came from. */
export interface StaticClosure {
  /** The built files, main.js first. */
  readonly files: readonly string[];
  readonly bytes: number;
  /** Imports left to Node: node: built-ins and packages in node_modules (as relative paths). */
  readonly external: readonly string[];
  /** The sources bundled into those files, from their source maps (paths relative to the repository). */
  readonly sources: readonly string[];
}

const STATIC_IMPORT = /(?:^|\n)(?:import|export)\s+(?:[^;"]*?\s+from\s+)?"([^"]+)"/g;

/** The static import closure of built files (`paths`, absolute), as Node loads it before any dynamic import. */
export function staticClosure(paths: readonly string[]): StaticClosure {
  const files: string[] = [];
  const external = new Set<string>();
  const sources = new Set<string>();
  let bytes = 0;
  const pending = [...paths];
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, "utf8");
    bytes += Buffer.byteLength(text);
    const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] };
    for (const source of map.sources) sources.add(relative(REPO, resolve(dirname(file), source)));
    for (const [, specifier] of text.matchAll(STATIC_IMPORT)) {
      const target = specifier!.startsWith(".") ? resolve(dirname(file), specifier!) : undefined;
      if (target !== undefined && !target.includes(`${sep}node_modules${sep}`)) pending.push(target);
      else external.add(target === undefined ? specifier! : relative(REPO, target));
    }
  }
  return { files: files.map((file) => relative(REPO, file)), bytes, external: [...external].sort(), sources: [...sources].sort() };
}

/** The built CLI's files: main.js, and the entry of command `name`. */
export const BUILT_MAIN = fileURLToPath(new URL("../packages/cli/dist/main.js", import.meta.url));
export const builtCommand = (name: string) => fileURLToPath(new URL(`../packages/cli/dist/commands/${name}/${name}.js`, import.meta.url));
