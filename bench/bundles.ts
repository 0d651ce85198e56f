// Bundle size and cold-start import time of each Lambda handler, bundled the way SST v2 bundles an ESM
// nodejs22.x function (esbuild, everything bundled including SDK v3, keepNames, minified, the createRequire banner,
// and the stack's own `nodejs.esbuild` options, HANDLER_BUNDLING). Cold start here is the import of the bundle in a
// fresh Node process: module evaluation, not Lambda's sandbox start, which we cannot measure offline. Each run
// imports every bundle and an empty module in turn (interleaved, so machine noise falls on all alike); the figure
// that matters is the ratio of the medians, measured in the same run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions, type Metafile } from "esbuild";
import { HANDLER_BUNDLING } from "@eks-warden/core/deployment";
import { median } from "./stats.ts";

export const HANDLER_FILES = ["cluster-event", "settle"] as const;
/** Targets (issue "Performance"): each bundle at most 350 KiB; its median import at most 4.5x an empty module's. */
export const BUNDLE_TARGET_BYTES = 350 * 1024;
export const IMPORT_RATIO_TARGET = 4.5;

const REPOSITORY_ROOT = fileURLToPath(new URL("..", import.meta.url));

const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface BuiltBundle {
  readonly handler: string;
  /** The entry module, the file Lambda imports. */
  readonly file: string;
  /** Every file deployed: the entry and all its chunks (the figure the target is about). */
  readonly bytes: number;
  /** The files a cold import reads: the entry and the chunks it imports statically, transitively. */
  readonly importBytes: number;
  readonly gzipBytes: number;
  /** Bytes in the deployed files per package (node_modules) or per folder of ours, largest first. */
  readonly contributors: readonly Contributor[];
  /** The same, in the files a cold import reads only. */
  readonly importContributors: readonly Contributor[];
  /** What the files import from outside themselves (statically or not): Lambda must provide each. */
  readonly externals: readonly string[];
}

export interface Contributor {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleFigures extends BuiltBundle {
  readonly importMsMedian: number;
  readonly importMsRuns: readonly number[];
  /** importMsMedian / the empty module's median in the same run. */
  readonly importRatio: number;
}

function contributorsOf(outputs: readonly Metafile["outputs"][string][]): Contributor[] {
  const totals = new Map<string, number>();
  for (const output of outputs) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const name = pkg ?? file.split("/").slice(0, 4).join("/");
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The output files a cold import of `entry` reads: it and its static imports, transitively (esbuild's paths). */
function importClosure(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const item of metafile.outputs[file]?.imports ?? []) if (item.kind === "import-statement" && !item.external) visit(item.path);
  };
  visit(entry);
  return [...seen];
}

function sstEsmOptions(): BuildOptions & { metafile: true } {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    mainFields: ["module", "main"],
    minify: true,
    keepNames: true,
    banner: { js: SST_ESM_BANNER },
    metafile: true,
    logLevel: "silent",
    alias: { ...HANDLER_BUNDLING.alias },
    external: [...HANDLER_BUNDLING.external],
  };
}

/** Builds `options` (which must name one entry point) into `outDir`, with SST's file names when splitting. */
async function builtBundle(name: string, outDir: string, options: BuildOptions): Promise<BuiltBundle> {
  const result = await build({ ...sstEsmOptions(), ...options, metafile: true, outdir: outDir, outExtension: { ".js": ".mjs" } });
  const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint !== undefined)?.[0];
  if (!entry) throw new Error(`${name}: esbuild reported no entry output`);
  const files = Object.keys(result.metafile.outputs).filter((file) => file.endsWith(".mjs"));
  const imported = importClosure(result.metafile, entry);
  const deployed = Buffer.concat(files.map((file) => readFileSync(file)));
  return {
    handler: name,
    file: resolve(entry),
    bytes: deployed.length,
    importBytes: imported.reduce((total, file) => total + statSync(file).size, 0),
    gzipBytes: gzipSync(deployed).length,
    contributors: contributorsOf(files.map((file) => result.metafile.outputs[file]!)),
    importContributors: contributorsOf(imported.map((file) => result.metafile.outputs[file]!)),
    externals: [...new Set(Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((item) => item.external).map((item) => item.path)))].sort(),
  };
}

/** Builds each handler as SST deploys it (HANDLER_BUNDLING: split into chunks), each into its own folder of `outDir`. */
export async function buildBundles(outDir: string): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const handler of HANDLER_FILES) {
    built.push(await builtBundle(handler, join(outDir, handler), { entryPoints: [`packages/functions/src/${handler}.ts`], splitting: HANDLER_BUNDLING.splitting }));
  }
  return built;
}

/**
 * What any cluster-event handler of this design loads before its first event, built and timed beside the handlers:
 * the floor under the targets. Every event reads the cluster (EKS DescribeCluster) and its state (the DynamoDB
 * claim, Query and transaction); an event that opens an endpoint also publishes (SNS) and schedules the settle check
 * (SQS); a node-group event reads AMI releases (SSM); a member account's cluster is read through its role (STS).
 */
export const FLOOR_ENTRIES = [
  {
    name: "node:https + node:crypto (what any AWS request signer loads)",
    source: `import "node:https"; import "node:crypto";`,
  },
  {
    name: "SDK v3 EKS + DynamoDB document clients (every event), nothing else",
    source: [
      `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";`,
      `import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";`,
      `import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";`,
      `export const used = [DynamoDBDocumentClient.from(new DynamoDBClient({})), QueryCommand, new EKSClient({}), DescribeClusterCommand];`,
    ].join("\n"),
  },
  {
    name: "SDK v3: the six clients cluster-event calls, nothing else",
    source: [
      `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";`,
      `import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";`,
      `import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";`,
      `import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";`,
      `import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";`,
      `import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";`,
      `import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";`,
      `export const used = [DynamoDBDocumentClient.from(new DynamoDBClient({})), QueryCommand, new EKSClient({}), DescribeClusterCommand,`,
      `  new SNSClient({}), PublishCommand, new SQSClient({}), SendMessageCommand, new SSMClient({}), GetParametersCommand, new STSClient({}), AssumeRoleCommand];`,
    ].join("\n"),
  },
] as const;

/** The cluster-event handler without the SDK: its import is timed after the SDK packages it uses are loaded. */
export const OWN_CODE_FLOOR = "cluster-event's own code (rules, pipeline, zod, Powertools), the SDK already loaded";

export interface FloorBundle extends BuiltBundle {
  /** Bare specifiers imported (and timed as already loaded) before the bundle: the SDK packages left out of it. */
  readonly preload: readonly string[];
}

/**
 * Builds the floor references into `outDir`, which must lie inside the repository so that the SDK packages left
 * out of the own-code bundle resolve from its node_modules.
 */
export async function buildFloors(outDir: string): Promise<FloorBundle[]> {
  const floors: FloorBundle[] = [];
  for (const [index, entry] of FLOOR_ENTRIES.entries()) {
    const stdin = { contents: entry.source, resolveDir: join(REPOSITORY_ROOT, "packages", "core"), loader: "ts" as const, sourcefile: `floor-${index}.ts` };
    floors.push({ ...(await builtBundle(entry.name, join(outDir, `floor-${index}`), { stdin })), preload: [] });
  }
  const ownCode = await builtBundle(OWN_CODE_FLOOR, join(outDir, "own-code"), { entryPoints: ["packages/functions/src/cluster-event.ts"], external: [...HANDLER_BUNDLING.external, "@aws-sdk/*", "@smithy/*"] });
  const preload = ownCode.externals.filter((specifier) => specifier.startsWith("@"));
  floors.push({ ...ownCode, preload });
  return floors;
}

/** One import of `file` in a fresh Node process, in ms; `preload` is imported first, untimed. */
function importTimeMs(file: string, preload: readonly string[] = []): number {
  const script = [
    `await Promise.all(${JSON.stringify(preload)}.map((specifier) => import(specifier)));`,
    `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`,
  ].join("\n");
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPOSITORY_ROOT,
    encoding: "utf8",
    env: { ...process.env, POWERTOOLS_DEV: "false", AWS_REGION: "us-east-1" },
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

function withImportFigures<B extends BuiltBundle>(bundle: B, runs: readonly number[], emptyMsMedian: number): B & BundleFigures {
  const importMsMedian = median(runs);
  return { ...bundle, importMsMedian, importMsRuns: runs, importRatio: importMsMedian / emptyMsMedian };
}

export interface MeasuredBundles {
  readonly emptyMsMedian: number;
  readonly bundles: readonly BundleFigures[];
  /** The floor references (FLOOR_ENTRIES, then OWN_CODE_FLOOR), timed in the same interleaved runs. */
  readonly floors: readonly (FloorBundle & BundleFigures)[];
}

export async function measureBundles(runs = 15): Promise<MeasuredBundles> {
  const cache = join(REPOSITORY_ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, "warden-bench-"));
  try {
    const built = await buildBundles(outDir);
    const floors = await buildFloors(outDir);
    const empty = join(outDir, "empty.mjs");
    writeFileSync(empty, "export {};\n");
    const timed: FloorBundle[] = [...built.map((bundle) => ({ ...bundle, preload: [] })), ...floors];
    const emptyRuns: number[] = [];
    const runsOf = timed.map(() => [] as number[]);
    for (let run = 0; run < runs; run += 1) {
      emptyRuns.push(importTimeMs(empty));
      timed.forEach((bundle, index) => runsOf[index]!.push(importTimeMs(bundle.file, bundle.preload)));
    }
    const emptyMsMedian = median(emptyRuns);
    const figures = timed.map((bundle, index) => withImportFigures(bundle, runsOf[index]!, emptyMsMedian));
    return { emptyMsMedian, bundles: figures.slice(0, built.length), floors: figures.slice(built.length) };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
