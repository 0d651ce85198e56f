// Bundle size and cold-start import time of each Lambda handler, bundled the way SST v2 bundles an ESM
// nodejs22.x function (esbuild, everything bundled including SDK v3, keepNames, minified, the createRequire banner,
// and the stack's own `nodejs.esbuild` options, HANDLER_BUNDLING). Cold start here is the import of the bundle in a
// fresh Node process: module evaluation, not Lambda's sandbox start, which we cannot measure offline. Each run
// imports every bundle, the SDK clients each loads at start built alone (its start floor) and an empty module in turn
// (interleaved, so machine noise falls on all alike); the figure that matters is the ratio of the medians, measured
// in the same run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions, type Metafile } from "esbuild";
import { HANDLER_BUNDLING } from "@eks-warden/core/deployment";
import { median } from "./stats.ts";

export const HANDLER_FILES = ["cluster-event", "settle", "dead-letter", "tamper", "sweep", "digest"] as const;
export type HandlerFile = (typeof HANDLER_FILES)[number];
/** The handlers every EKS event goes through (the event queue, then the settle queue). */
export const EVENT_PATH_HANDLERS: readonly HandlerFile[] = ["cluster-event", "settle"];

/**
 * Targets (issue 23, "Handlers at the floor"): a handler's median cold import at most 1.15x that of the SDK clients
 * it loads at start, built alone and timed in the same interleaved runs (its start floor); its own code (everything
 * but the SDK) at most 100 KiB of what a cold import reads; everything deployed (the entry and all its chunks) at
 * most 600 KiB for the event path's handlers, 800 KiB for the others.
 */
export const IMPORT_RATIO_TARGET = 1.15;
export const OWN_CODE_TARGET_BYTES = 100 * 1024;
export function deployedTargetBytes(handler: string): number {
  return (EVENT_PATH_HANDLERS as readonly string[]).includes(handler) ? 600 * 1024 : 800 * 1024;
}

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
async function builtBundle(name: string, outDir: string, options: BuildOptions, entryPoint: string): Promise<BuiltBundle> {
  const result = await build({ ...sstEsmOptions(), ...options, metafile: true, outdir: outDir, outExtension: { ".js": ".mjs" } });
  // Each chunk loaded by `import()` is an entry point of its own in the metafile: the handler's is the one named.
  const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === entryPoint)?.[0];
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
export async function buildBundles(outDir: string, handlers: readonly HandlerFile[] = HANDLER_FILES): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const handler of handlers) {
    const entryPoint = `packages/functions/src/${handler}.ts`;
    built.push(await builtBundle(handler, join(outDir, handler), { entryPoints: [entryPoint], splitting: HANDLER_BUNDLING.splitting }, entryPoint));
  }
  return built;
}

/**
 * Each SDK client package a handler may load at start, as its adapter uses it: the client and one command (the
 * command carries its schemas), DynamoDB through the document client. A handler's start floor is the bundle of the
 * clients its cold import reads, nothing else.
 */
export const CLIENT_FLOOR_SOURCES: Readonly<Record<string, { readonly imports: readonly string[]; readonly used: string }>> = {
  "@aws-sdk/client-eks": { imports: [`import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";`], used: "new EKSClient({}), DescribeClusterCommand" },
  "@aws-sdk/client-dynamodb": {
    imports: [`import { DynamoDBClient } from "@aws-sdk/client-dynamodb";`, `import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";`],
    used: "DynamoDBDocumentClient.from(new DynamoDBClient({})), QueryCommand",
  },
  "@aws-sdk/client-s3": { imports: [`import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";`], used: "new S3Client({}), PutObjectCommand" },
  "@aws-sdk/client-sns": { imports: [`import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";`], used: "new SNSClient({}), PublishCommand" },
  "@aws-sdk/client-sqs": { imports: [`import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";`], used: "new SQSClient({}), SendMessageCommand" },
  "@aws-sdk/client-ssm": { imports: [`import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";`], used: "new SSMClient({}), GetParametersCommand" },
  "@aws-sdk/client-sts": { imports: [`import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";`], used: "new STSClient({}), AssumeRoleCommand" },
  "@aws-sdk/client-securityhub": { imports: [`import { BatchImportFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";`], used: "new SecurityHubClient({}), BatchImportFindingsCommand" },
};

/** The SDK client packages a cold import of `bundle` reads (the clients it loads at start), sorted. */
export function startClients(bundle: BuiltBundle): string[] {
  return bundle.importContributors.map((item) => item.name).filter((name) => /^@aws-sdk\/client-/.test(name)).sort();
}

/** What a floor of `clients` is called in the tables. */
export function floorName(clients: readonly string[]): string {
  return clients.length === 0 ? "an empty module (no SDK client at start)" : `SDK v3 ${clients.map((name) => name.replace("@aws-sdk/client-", "")).join(" + ")}, nothing else`;
}

export interface FloorBundle extends BuiltBundle {
  /** The SDK client packages in it (none: the empty module). */
  readonly clients: readonly string[];
}

/**
 * Builds one start floor per distinct set of `clients` into `outDir`, which must lie inside the repository so that the
 * SDK resolves from its node_modules. A set with no client is an empty module: a handler that loads no SDK client at
 * start has nothing under it but Node.
 */
export async function buildFloors(outDir: string, clientSets: readonly (readonly string[])[]): Promise<FloorBundle[]> {
  const floors: FloorBundle[] = [];
  const distinct = [...new Map(clientSets.map((clients) => [clients.join(","), [...clients].sort()])).values()];
  for (const [index, clients] of distinct.entries()) {
    const sources = clients.map((name) => {
      const source = CLIENT_FLOOR_SOURCES[name];
      if (!source) throw new Error(`no floor source for ${name}: add it to CLIENT_FLOOR_SOURCES (bench/bundles.ts)`);
      return source;
    });
    const contents = [...sources.flatMap((source) => source.imports), `export const used = [${sources.map((source) => source.used).join(", ")}];`].join("\n");
    const stdin = { contents, resolveDir: join(REPOSITORY_ROOT, "packages", "core"), loader: "ts" as const, sourcefile: `floor-${index}.ts` };
    floors.push({ ...(await builtBundle(floorName(clients), join(outDir, `floor-${index}`), { stdin }, `packages/core/${stdin.sourcefile}`)), clients });
  }
  return floors;
}

/** The SDK's packages: the AWS SDK's and Smithy's scopes, and whatever other package the floors (the SDK alone) hold. */
export function sdkPackages(floors: readonly BuiltBundle[]): Set<string> {
  return new Set(floors.flatMap((floor) => floor.contributors.map((item) => item.name).filter((name) => !name.startsWith("packages/"))));
}

function isSdk(name: string, sdk: ReadonlySet<string>): boolean {
  return sdk.has(name) || /^@(aws-sdk|smithy|aws-crypto)\//.test(name);
}

/** Bytes of `contributors` that are not the SDK's: the handler's own code (ours, Powertools, middy, zod). */
export function ownCodeBytes(contributors: readonly Contributor[], sdk: ReadonlySet<string>): number {
  return contributors.filter((item) => !isSdk(item.name, sdk)).reduce((total, item) => total + item.bytes, 0);
}

/** Bytes of `contributors` that are the SDK's. */
export function sdkBytes(contributors: readonly Contributor[], sdk: ReadonlySet<string>): number {
  return contributors.filter((item) => isSdk(item.name, sdk)).reduce((total, item) => total + item.bytes, 0);
}

/** One import of `file` in a fresh Node process, in ms. */
function importTimeMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPOSITORY_ROOT,
    encoding: "utf8",
    env: { ...process.env, POWERTOOLS_DEV: "false", AWS_REGION: "us-east-1" },
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

export interface HandlerFigures extends BuiltBundle {
  readonly importMsMedian: number;
  readonly importMsRuns: readonly number[];
  /** importMsMedian / the empty module's median in the same run. */
  readonly importRatio: number;
  /** The SDK clients its cold import reads, and their floor's median import in the same run. */
  readonly startClients: readonly string[];
  readonly floorMsMedian: number;
  /** importMsMedian / floorMsMedian: the figure IMPORT_RATIO_TARGET is about. */
  readonly floorRatio: number;
  /** What a cold import reads that is not the SDK's (OWN_CODE_TARGET_BYTES). */
  readonly ownCodeImportBytes: number;
  /** The SDK's bytes in everything deployed: the floor under deployedTargetBytes. */
  readonly sdkDeployedBytes: number;
}

export interface FloorFigures extends FloorBundle {
  readonly importMsMedian: number;
  readonly importRatio: number;
}

export interface MeasuredBundles {
  readonly emptyMsMedian: number;
  readonly bundles: readonly HandlerFigures[];
  /** Each start floor (the SDK clients a handler loads at start, built alone), timed in the same interleaved runs. */
  readonly floors: readonly FloorFigures[];
}

/** Builds every handler and its start floor, and imports each in turn `runs` times (interleaved, with an empty module). */
export async function measureBundles(runs = 15): Promise<MeasuredBundles> {
  const cache = join(REPOSITORY_ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, "warden-bench-"));
  try {
    const built = await buildBundles(outDir);
    const floors = (await buildFloors(outDir, built.map(startClients))).filter((floor) => floor.clients.length > 0);
    const sdk = sdkPackages(floors);
    const empty = join(outDir, "empty.mjs");
    writeFileSync(empty, "export {};\n");
    const timed = [...built.map((bundle) => bundle.file), ...floors.map((floor) => floor.file)];
    const emptyRuns: number[] = [];
    const runsOf = timed.map(() => [] as number[]);
    for (let run = 0; run < runs; run += 1) {
      emptyRuns.push(importTimeMs(empty));
      timed.forEach((file, index) => runsOf[index]!.push(importTimeMs(file)));
    }
    const emptyMsMedian = median(emptyRuns);
    const floorFigures = floors.map((floor, index) => {
      const importMsMedian = median(runsOf[built.length + index]!);
      return { ...floor, importMsMedian, importRatio: importMsMedian / emptyMsMedian };
    });
    const bundles = built.map((bundle, index): HandlerFigures => {
      const importMsRuns = runsOf[index]!;
      const importMsMedian = median(importMsRuns);
      const clients = startClients(bundle);
      const floorMsMedian = floorFigures.find((floor) => floor.clients.join(",") === clients.join(","))?.importMsMedian ?? emptyMsMedian;
      return {
        ...bundle,
        importMsMedian,
        importMsRuns,
        importRatio: importMsMedian / emptyMsMedian,
        startClients: clients,
        floorMsMedian,
        floorRatio: importMsMedian / floorMsMedian,
        ownCodeImportBytes: ownCodeBytes(bundle.importContributors, sdk),
        sdkDeployedBytes: sdkBytes(bundle.contributors, sdk),
      };
    });
    return { emptyMsMedian, bundles, floors: floorFigures };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
