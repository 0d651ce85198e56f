// Test support for the scenario, run, serve, scan and start tests: the repository root and the real CLI, spawned.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * The arguments to `node` that start `eks-warden` as installed: the bin script, which runs the CLI built to
 * JavaScript in packages/cli/dist (scripts/build-cli.mjs; the tests' global setup rebuilds it when a source is newer).
 * Every test and benchmark that spawns the CLI uses this.
 */
export const CLI_ENTRY: readonly string[] = [fileURLToPath(new URL("../bin/eks-warden.js", import.meta.url))];

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/scenarios/${name}`, import.meta.url));
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** This process's environment with `changes` applied; a change to undefined removes the variable. */
function childEnv(changes: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete env[name];
  return env;
}

/** Runs `eks-warden ARGS` to its end, as a user would from the repository root. */
export function warden(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI_ENTRY, ...args],
      { cwd: REPO, env: childEnv(env), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** One line of `eks-warden run --format jsonl`: a notification, a mutating call served, or a stored record. */
export interface RunLine {
  type: "notification" | "call" | "state" | "securityhub";
  subject?: string;
  attributes?: Record<string, string>;
  text?: string;
  [key: string]: unknown;
}

/** `eks-warden run SCENARIO --format jsonl` to its end, with its standard output read as lines. */
export async function runJsonl(scenario: string): Promise<{ run: CliRun; lines: RunLine[] }> {
  const run = await warden(["run", scenario, "--format", "jsonl"]);
  return { run, lines: run.stdout.trim().split("\n").map((text) => JSON.parse(text) as RunLine) };
}

/** Starts `eks-warden ARGS` in the background; the caller stops it. */
export function wardenInBackground(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...CLI_ENTRY, ...args], { cwd: REPO, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const match = text.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    check();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    check();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const match = text.match(pattern);
        if (match) return resolve(match);
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${text}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (found) => {
            clearTimeout(timer);
            resolve(found);
          },
        });
      }),
  };
}
