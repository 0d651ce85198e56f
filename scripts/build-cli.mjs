#!/usr/bin/env node
// Builds the `eks-warden` CLI to JavaScript: packages/cli/src/main.ts and the workspace packages it imports (core,
// local, simulator, the handlers the local system runs, stacks/) bundled by esbuild into packages/cli/dist/, one ESM
// file per lazily loaded part (code splitting: `--help` loads main.js and little else; each command loads its own
// chunks), with source maps so a stack trace names the TypeScript file and line. npm runs it at install (`prepare`),
// the tests' global setup, `npm start` and `npm run warden` when stale, and `npm run build` by hand after editing the
// CLI's sources. Plain JavaScript, so that it needs nothing but esbuild at install.
//   node scripts/build-cli.mjs            builds packages/cli/dist/
//   node scripts/build-cli.mjs --if-stale builds only when a source file is newer than the last complete build
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, "packages/cli/dist");
const ENTRY = join(ROOT, "packages/cli/src/main.ts");
/** Written when every part is built: its time is the build's (a build cut short leaves none, so it is stale). */
const STAMP = join(OUT_DIR, "build-complete");
/** What the build reads: any file here newer than the stamp makes the build stale. */
const SOURCES = ["packages/core/src", "packages/local/src", "packages/simulator/src", "packages/functions/src", "packages/cli/src", "stacks", "sst.config.ts", "scripts/build-cli.mjs", "package-lock.json"];

/** The newest modification under `path`; a folder's own time counts, since a file removed or renamed changes it. */
function newestSourceMs(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestSourceMs(join(path, name))));
}

export function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newestSourceMs(join(ROOT, source)) > built);
}

/**
 * The commands that call AWS with the user's credentials get the AWS SDK bundled in: loaded as installed, the SDK is
 * some thirty CommonJS files to resolve and read, and bundled, scan's start takes about 30% less CPU
 * (docs/benchmarks.md). The others (run, serve, state, synth) start the local system or the CDK, seconds of work
 * that the SDK's load does not move; their SDK stays in node_modules, and their builds stay small.
 */
const SDK_BUNDLED_IN = new Set(["scan", "digest", "check"]);
const SDK_PACKAGES = /^@(aws-sdk|smithy|aws-crypto|aws)\//;
/** CommonJS bundled into ESM calls require() for Node's own modules: this gives each output file one. */
const REQUIRE_FOR_BUNDLED_COMMONJS = 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

/**
 * The packages in node_modules stay external unless `bundled` names them: Node loads them as installed. Each is named
 * by its path relative to `outDir`, resolved from the file that imports it, because a workspace may hold its own copy
 * (packages/core/node_modules/zod is not the root's). The workspace's own packages (@eks-warden/*) and relative
 * imports are bundled.
 */
function externalNodeModules(outDir, bundled) {
  return {
    name: "external-node-modules",
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith("@eks-warden/") || args.pluginData === "resolving") return undefined;
        if (bundled?.test(args.path)) return undefined;
        if (args.path.startsWith("node:") || isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await builder.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "resolving" });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: relativeImport(outDir, resolved.path), external: true };
      });
    },
  };
}

/** `to` as an import specifier relative to a file in `fromDir`. */
function relativeImport(fromDir, to) {
  const path = relative(fromDir, to).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/**
 * `import.meta.url` as the source file's own URL, not the output's: the sources find files beside them with it
 * (packages/cli/package.json for the version, scenarios/demo.json, the repository root). Every output file of a build
 * lands in its `outDir` itself (no sub-folders), so the source's path relative to it is fixed at build time, and the
 * build still works when the checkout moves.
 */
function sourceRelativeImportMeta(outDir) {
  return {
    name: "source-relative-import-meta",
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const contents = await readFile(args.path, "utf8");
        if (!contents.includes("import.meta.url")) return undefined;
        const url = `new URL(${JSON.stringify(relativeImport(outDir, args.path))}, import.meta.url).href`;
        return { contents: contents.replaceAll("import.meta.url", url), loader: "ts", resolveDir: dirname(args.path) };
      });
    },
  };
}

const COMMANDS_SOURCE = join(ROOT, "packages/cli/src/commands");
/** The one module main and every command share, so that `error instanceof CliInputError` holds across them. */
const SHARED_ERRORS = join(COMMANDS_SOURCE, "errors.ts");
const SHARED_ERRORS_OUT = join(OUT_DIR, "errors.js");

/** Imports of the shared errors module stay imports of its one built copy. */
function sharedErrors(outDir) {
  return {
    name: "shared-errors",
    setup(builder) {
      builder.onResolve({ filter: /errors\.ts$/ }, (args) => (join(args.resolveDir, args.path) === SHARED_ERRORS ? { path: relativeImport(outDir, SHARED_ERRORS_OUT), external: true } : undefined));
    },
  };
}

/**
 * main.ts's `import("./commands/NAME.ts")` becomes an import of that command's own build, commands/NAME/NAME.js;
 * the names it finds are the commands to build.
 */
function separateCommands(found) {
  return {
    name: "separate-commands",
    setup(builder) {
      builder.onResolve({ filter: /^\.\/commands\/[a-z-]+\.ts$/ }, (args) => {
        if (args.importer !== ENTRY || args.kind !== "dynamic-import") return undefined;
        const name = args.path.slice("./commands/".length, -".ts".length);
        found.add(name);
        return { path: `./commands/${name}/${name}.js`, external: true };
      });
    },
  };
}

const COMMON = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Stack traces need the mappings, not the sources (the .ts files are in the checkout): smaller maps load faster.
  sourcesContent: false,
  logLevel: "warning",
};

/**
 * main.js (the command table, help and version: what `--help` loads), errors.js (shared), and each command built on
 * its own into commands/NAME/, split at its dynamic imports (the SDK clients core defers, the handlers the local
 * system imports). One build per command, not one split build for all: esbuild's shared chunks follow what any
 * command uses, so `scan` would load the DynamoDB and S3 clients that only `run` needs through core's index.
 */
export async function buildCli() {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const commands = new Set();
  // Split too: main's own dynamic import (core, for "did you mean" after an unknown command) stays out of main.js.
  await build({ ...COMMON, entryPoints: { main: ENTRY }, outdir: OUT_DIR, splitting: true, chunkNames: "[name]-[hash]", plugins: [separateCommands(commands), sharedErrors(OUT_DIR), externalNodeModules(OUT_DIR), sourceRelativeImportMeta(OUT_DIR)] });
  await Promise.all([
    build({ ...COMMON, entryPoints: { errors: SHARED_ERRORS }, outdir: OUT_DIR }),
    ...[...commands].map((name) => {
      const outDir = join(OUT_DIR, "commands", name);
      return build({
        ...COMMON,
        entryPoints: { [name]: join(COMMANDS_SOURCE, `${name}.ts`) },
        outdir: outDir,
        splitting: true,
        chunkNames: "[name]-[hash]",
        ...(SDK_BUNDLED_IN.has(name) && { banner: { js: REQUIRE_FOR_BUNDLED_COMMONJS } }),
        plugins: [sharedErrors(outDir), externalNodeModules(outDir, SDK_BUNDLED_IN.has(name) ? SDK_PACKAGES : undefined), sourceRelativeImportMeta(outDir)],
      });
    }),
  ]);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return [...commands];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && !isStale()) process.exit(0);
  const started = performance.now();
  const commands = await buildCli();
  console.error(`eks-warden: built ${relative(ROOT, OUT_DIR)}/ (main and ${commands.length} commands) in ${Math.round(performance.now() - started)} ms`);
}
