// The harness's own lifecycle: it starts on free ports, stops for good, explains a missing Java, and leaves no
// DynamoDB Local JVM behind when its process is stopped by Ctrl-C, SIGTERM or even SIGKILL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EmbeddedStartError, JavaNotFoundError, startEmbedded } from "../src/embedded/index.ts";
import { resolveJava } from "../src/embedded/java.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const serveScript = fileURLToPath(new URL("../src/embedded/serve.ts", import.meta.url));

/** Process ids of DynamoDB Local JVMs (not their wrapper shells) listening on this port, from `ps`. */
function dynamoDbLocalJvms(port: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,comm=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command, ...args]) => command === "java" && args.some((arg) => arg.endsWith("DynamoDBLocal.jar")) && args.join(" ").includes(`-port ${port}`))
    .map(([pid]) => Number(pid));
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

const temporary = mkdtempSync(join(tmpdir(), "embedded-lifecycle-"));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

describe("startEmbedded / stop", () => {
  it("starts only DynamoDB Local when asked, answers on a free port, and stop() ends the JVM", async () => {
    const embedded = await startEmbedded({ dynamodb: true, sns: false });
    const port = Number(new URL(embedded.endpoints.dynamodb!).port);
    try {
      expect(embedded.endpoints.sns).toBeUndefined();
      expect(Object.keys(embedded.env).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_SECRET_ACCESS_KEY"]);
      expect(dynamoDbLocalJvms(port)).toHaveLength(1);
    } finally {
      await embedded.stop();
    }
    expect(dynamoDbLocalJvms(port)).toEqual([]);
    await embedded.stop(); // a second stop is harmless
  });

  it("starts only the SNS/SQS emulator when asked, with one endpoint for both services", async () => {
    const embedded = await startEmbedded({ dynamodb: false, sns: true, region: "eu-west-1" });
    try {
      expect(embedded.endpoints.dynamodb).toBeUndefined();
      expect(embedded.endpoints.sns).toBe(embedded.endpoints.sqs);
      expect(embedded.env).toMatchObject({ AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_SNS: embedded.endpoints.sns });
      const health = await fetch(`${embedded.endpoints.sns}/health`);
      expect(health.status).toBe(200);
    } finally {
      await embedded.stop();
    }
    await expect(fetch(`${embedded.endpoints.sns}/health`)).rejects.toThrow();
  });
});

describe("a missing or broken Java", () => {
  it("names the missing runtime and how to install it when java is not on PATH", () => {
    const lookup = (): string => resolveJava(undefined, { PATH: temporary });
    expect(lookup).toThrow(JavaNotFoundError);
    expect(lookup).toThrow(/no Java runtime found.*PATH=.*openjdk-17-jre-headless/s);
  });

  it("prefers JAVA_HOME/bin/java over PATH", () => {
    const javaHome = join(temporary, "jdk");
    const fakeJava = join(javaHome, "bin", "java");
    execFileSync("mkdir", ["-p", join(javaHome, "bin")]);
    writeFileSync(fakeJava, "#!/bin/sh\nexit 0\n");
    chmodSync(fakeJava, 0o755);
    expect(resolveJava(undefined, { JAVA_HOME: javaHome, PATH: "/usr/bin:/bin" })).toBe(fakeJava);
  });

  it("rejects startEmbedded with JavaNotFoundError for a java path that does not exist, and starts nothing", async () => {
    const attempt = startEmbedded({ java: join(temporary, "no-such-java") });
    await expect(attempt).rejects.toBeInstanceOf(JavaNotFoundError);
    await expect(attempt).rejects.toThrow(/is not an executable file.*Java 17\+/);
  });

  it("reports the JVM's own output when it exits before it is ready (e.g. a Java too old for the jar)", async () => {
    const oldJava = join(temporary, "java-11");
    writeFileSync(oldJava, '#!/bin/sh\necho "Error: LinkageError occurred while loading main class com.amazonaws.services.dynamodbv2.local.main.ServerRunner" >&2\nexit 1\n');
    chmodSync(oldJava, 0o755);
    const attempt = startEmbedded({ java: oldJava, sns: false });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedStartError);
    await expect(attempt).rejects.toThrow(/exited before it was ready.*LinkageError/s);
  });
});

describe("no orphan DynamoDB Local after the harness's process ends", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    // A failed assertion must not leave the harness process (and its JVM) running: SIGINT is its normal way out.
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  });

  function startServe(): { child: ChildProcess; port: Promise<number> } {
    // Only DynamoDB Local: it is the part that lives in another process.
    const child = spawn(process.execPath, ["--import", "tsx", serveScript, "--no-sns"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const port = new Promise<number>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /AWS_ENDPOINT_URL_DYNAMODB=http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("exit", (code, signal) => reject(new Error(`serve.ts exited (${code ?? signal}) before it was ready:\n${stderr}`)));
    });
    return { child, port };
  }

  const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
      : new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  it.each(["SIGINT", "SIGTERM"] as const)("kills the JVM on %s and still dies from the signal", async (signal) => {
    const { child, port } = startServe();
    const dynamoPort = await port;
    expect(dynamoDbLocalJvms(dynamoPort)).toHaveLength(1);
    child.kill(signal);
    // The harness re-raises the signal after cleaning up, so the process ends the way an unhandled signal ends it.
    expect(await exitOf(child)).toEqual({ code: null, signal });
    expect(dynamoDbLocalJvms(dynamoPort)).toEqual([]);
  });

  it("kills the JVM even when the harness's process is SIGKILLed (the wrapper watches its stdin pipe)", async () => {
    const { child, port } = startServe();
    const dynamoPort = await port;
    expect(dynamoDbLocalJvms(dynamoPort)).toHaveLength(1);
    child.kill("SIGKILL");
    await exitOf(child);
    expect(await eventually(() => dynamoDbLocalJvms(dynamoPort).length === 0, 5_000)).toBe(true);
  });
});
