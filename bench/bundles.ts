// Bundle size and cold-start import time of each Lambda handler, bundled the way SST v2 bundles an ESM
// nodejs22.x function (esbuild, everything bundled including SDK v3, keepNames, minified, the createRequire banner,
// and the stack's own `nodejs.esbuild` options, HANDLER_BUNDLING). Cold start here is the import of the bundle in a
// fresh Node process: module evaluation, not Lambda's sandbox start, which we cannot measure offline. Each run
// imports every bundle and an empty module in turn (interleaved, so machine noise falls on all alike); the figure
// that matters is the ratio of the medians, measured in the same run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { HANDLER_BUNDLING } from "@eks-warden/core/deployment";
import { median } from "./stats.ts";

export const HANDLER_FILES = ["cluster-event", "settle"] as const;
/** Targets (issue "Performance"): each bundle at most 350 KiB; its median import at most 4.5x an empty module's. */
export const BUNDLE_TARGET_BYTES = 350 * 1024;
export const IMPORT_RATIO_TARGET = 4.5;

const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface BuiltBundle {
  readonly handler: string;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes in the output per package (node_modules) or per folder of ours, largest first. */
  readonly contributors: readonly { readonly name: string; readonly bytes: number }[];
}

export interface BundleFigures extends BuiltBundle {
  readonly importMsMedian: number;
  readonly importMsRuns: readonly number[];
  /** importMsMedian / the empty module's median in the same run. */
  readonly importRatio: number;
}

function contributorsOf(metafile: Metafile): BuiltBundle["contributors"] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const name = pkg ?? file.split("/").slice(0, 4).join("/");
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Builds each handler as SST deploys it, into `outDir`. */
export async function buildBundles(outDir: string): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const handler of HANDLER_FILES) {
    const file = join(outDir, `${handler}.mjs`);
    const result = await build({
      entryPoints: [`packages/functions/src/${handler}.ts`],
      outfile: file,
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
    });
    built.push({ handler, file, bytes: statSync(file).size, gzipBytes: gzipSync(readFileSync(file)).length, contributors: contributorsOf(result.metafile) });
  }
  return built;
}

function importTimeMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, POWERTOOLS_DEV: "false", AWS_REGION: "us-east-1" },
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

export async function measureBundles(runs = 15): Promise<{ emptyMsMedian: number; bundles: BundleFigures[] }> {
  const outDir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  try {
    const built = await buildBundles(outDir);
    const empty = join(outDir, "empty.mjs");
    writeFileSync(empty, "export {};\n");
    const emptyRuns: number[] = [];
    const runsOf = built.map(() => [] as number[]);
    for (let run = 0; run < runs; run += 1) {
      emptyRuns.push(importTimeMs(empty));
      built.forEach((bundle, index) => runsOf[index]!.push(importTimeMs(bundle.file)));
    }
    const emptyMsMedian = median(emptyRuns);
    return {
      emptyMsMedian,
      bundles: built.map((bundle, index) => {
        const importMsMedian = median(runsOf[index]!);
        return { ...bundle, importMsMedian, importMsRuns: runsOf[index]!, importRatio: importMsMedian / emptyMsMedian };
      }),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
