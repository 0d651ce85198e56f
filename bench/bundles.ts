// Bundle size and cold-start import time of each Lambda handler, bundled the way SST v2 bundles an ESM
// nodejs22.x function (esbuild, everything bundled including SDK v3, keepNames, minified, the createRequire banner).
// Cold start here is the import of the bundle in a fresh Node process: module evaluation, not Lambda's
// sandbox start, which we cannot measure offline. Medians over several fresh processes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { median } from "./stats.ts";

const HANDLERS = ["cluster-event", "settle"] as const;
const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface BundleFigures {
  readonly handler: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly importMsMedian: number;
  readonly importMsRuns: readonly number[];
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

export async function measureBundles(runs = 11): Promise<BundleFigures[]> {
  const outDir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  try {
    const figures: BundleFigures[] = [];
    for (const handler of HANDLERS) {
      const outfile = join(outDir, `${handler}.mjs`);
      await build({
        entryPoints: [`packages/functions/src/${handler}.ts`],
        outfile,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        mainFields: ["module", "main"],
        minify: true,
        keepNames: true,
        banner: { js: SST_ESM_BANNER },
        logLevel: "silent",
      });
      const bytes = statSync(outfile).size;
      const gzipBytes = gzipSync(readFileSync(outfile)).length;
      const importMsRuns = Array.from({ length: runs }, () => importTimeMs(outfile));
      figures.push({ handler, bytes, gzipBytes, importMsMedian: median(importMsRuns), importMsRuns });
    }
    return figures;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
