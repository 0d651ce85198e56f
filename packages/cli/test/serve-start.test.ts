// `eks-warden serve` when the start does not go to plan (issue 25, items 1, 2 and 15): Ctrl-C half way through the
// start, a broken `java`, a taken port. Each ends at once with everything started so far stopped and no temporary
// folder left; and every temporary thing of a run lives under one folder that the next start cleans if its owner died.
// Each run gets its own TMPDIR, so its processes (DynamoDB Local's command line names its temporary folder) and its
// folders are told apart from any other test's.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warden, wardenInBackground } from "./scenario-helpers.ts";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "warden-serve-start-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh TMPDIR for one run of serve. */
function freshTmp(name: string): string {
  const folder = join(scratch, name);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** Processes whose command line names `folder` (DynamoDB Local's wrapper and JVM name their temporary folder). */
function processesUsing(folder: string): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(folder) && !line.includes("ps -eo"));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function occupiedPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await occupiedPort();
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Everything in TMPDIR: a run leaves nothing but, at most, the empty eks-warden folder. */
function leftIn(tmp: string): string[] {
  return readdirSync(tmp).flatMap((name) => (name === "eks-warden" ? readdirSync(join(tmp, name)).map((inner) => `eks-warden/${inner}`) : [name]));
}

const realJava = execFileSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).trim();

describe("Ctrl-C during serve's start", () => {
  it("stops everything at once and exits 130: nothing left listening, no DynamoDB Local, no temporary folder", async () => {
    const tmp = freshTmp("ctrl-c");
    // A java that takes 3 s more to start, so the Ctrl-C surely lands while DynamoDB Local is starting.
    const bin = join(tmp, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "java"), `#!/bin/sh\nsleep 3\nexec ${realJava} "$@"\n`);
    chmodSync(join(bin, "java"), 0o755);
    const port = await freePort();
    const serve = wardenInBackground(["serve", "--port", String(port), "--time-scale", "0"], { TMPDIR: tmp, JAVA_HOME: undefined, PATH: `${bin}:${process.env["PATH"] ?? ""}` });
    try {
      await until(() => processesUsing(join(tmp, "eks-warden")).length > 0, 60_000, "DynamoDB Local to be starting");
      serve.child.kill("SIGINT");
      const signalled = performance.now();
      const code = await serve.exited;
      const ms = performance.now() - signalled;
      expect(code).toBe(130);
      expect(ms).toBeLessThan(10_000);
      expect(serve.output()).not.toContain("eks-warden serve: ready");
      expect(serve.output()).toContain("SIGINT: stopping");
      expect(processesUsing(tmp)).toEqual([]);
      expect(await listening(port)).toBe(false);
      expect(leftIn(tmp).filter((name) => name !== "bin")).toEqual([]);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  }, 90_000);
});

describe("a start-up failure of serve", () => {
  it("a broken java: one line naming DynamoDB Local and what to do, exit 3, nothing left running, no temporary folder", async () => {
    const tmp = freshTmp("broken-java");
    const bin = join(tmp, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "java"), "#!/bin/sh\necho 'Error: could not create the Java Virtual Machine.' >&2\nexit 1\n");
    chmodSync(join(bin, "java"), 0o755);
    const port = await freePort();
    const run = await warden(["serve", "--port", String(port)], { TMPDIR: tmp, JAVA_HOME: undefined, PATH: `${bin}:${process.env["PATH"] ?? ""}` }, 60_000);
    expect(run.code).toBe(3);
    const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^eks-warden serve: DynamoDB Local could not start: .*\/bin\/java exited before it was ready \(Error: could not create the Java Virtual Machine\.\); check that .* -version` shows a Java 17\+ runtime, or set JAVA_HOME to one$/);
    expect(run.stderr).not.toContain("unexpected error");
    expect(await listening(port)).toBe(false);
    expect(processesUsing(tmp)).toEqual([]);
    expect(leftIn(tmp).filter((name) => name !== "bin")).toEqual([]);
  }, 90_000);

  it("serve --port <busy>: one line naming the port and what to do, exit 3, nothing left running, no temporary folder", async () => {
    const tmp = freshTmp("busy-port");
    const server = await occupiedPort();
    const { port } = server.address() as { port: number };
    try {
      const run = await warden(["serve", "--port", String(port)], { TMPDIR: tmp }, 60_000);
      expect(run.code).toBe(3);
      const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
      expect(lines).toEqual([`eks-warden serve: the EKS simulator could not listen on 127.0.0.1:${port}: the port is in use; choose another with --port N, or leave --port out for a free one`]);
      expect(processesUsing(tmp)).toEqual([]);
      expect(leftIn(tmp)).toEqual([]);
    } finally {
      server.close();
    }
  }, 90_000);
});

describe("serve's temporary folders", () => {
  it("all live under TMPDIR/eks-warden/<pid>-…; a start removes the folders of dead owners and keeps a live one's", async () => {
    const tmp = freshTmp("folders");
    const root = join(tmp, "eks-warden");
    mkdirSync(root);
    // A run killed with -9: its pid is gone, its folder (the S3 emulator's objects) stayed.
    let deadPid = 4_000_000;
    while (existsSync(`/proc/${deadPid}`)) deadPid += 1;
    mkdirSync(join(root, `${deadPid}-stale`, "eks-warden-s3-x"), { recursive: true });
    writeFileSync(join(root, `${deadPid}-stale`, "eks-warden-s3-x", "object"), "left by a killed run");
    // A run still going (this test's own process).
    mkdirSync(join(root, `${process.pid}-live`));
    const serve = wardenInBackground(["serve", "--time-scale", "0"], { TMPDIR: tmp });
    try {
      await serve.waitFor(/eks-warden serve: ready/, 90_000);
      const pid = serve.child.pid!;
      expect(existsSync(join(root, `${deadPid}-stale`))).toBe(false);
      expect(existsSync(join(root, `${process.pid}-live`))).toBe(true);
      // Nothing of the run outside its folder; inside: DynamoDB Local's and the S3 emulator's folders.
      expect(leftIn(tmp).filter((name) => !name.startsWith("eks-warden/"))).toEqual([]);
      const own = readdirSync(root).filter((name) => name.startsWith(`${pid}-`));
      expect(own).toHaveLength(1);
      const inside = readdirSync(join(root, own[0]!));
      expect(inside.some((name) => name.startsWith("eks-warden-s3-"))).toBe(true);
      expect(inside.some((name) => name.startsWith("eks-warden-dynamodb-local-"))).toBe(true);
      serve.child.kill("SIGINT");
      expect(await serve.exited).toBe(130);
      expect(readdirSync(root)).toEqual([`${process.pid}-live`]);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  }, 120_000);
});
