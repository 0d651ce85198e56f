// DynamoDB Local leaves nothing behind: its JVM extracts libsqlite4java (0.9 MB) into java.io.tmpdir and deletes it
// only on a normal JVM exit. The harness gives the JVM a private temporary folder, stops it with SIGTERM first (so
// Java's shutdown hooks run) and removes the folder; SIGKILL is only the last resort.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../src/embedded/dynamodb-local.ts";

const LIBRARY = /libsqlite4java/;

function sqliteLibrariesIn(folder: string): Set<string> {
  return new Set(readdirSync(folder).filter((name) => LIBRARY.test(name)));
}

/**
 * Whether a live process maps this file. Other DynamoDB Local JVMs on the machine (other checkouts, older harnesses)
 * may extract their own copy into os.tmpdir() meanwhile; ours is gone by then, so a mapped file is not ours.
 */
function mappedByLiveProcess(path: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/maps`, "utf8").includes(path)) return true;
    } catch {
      // The process ended or is not ours to read: it cannot be our JVM either (that one has been waited for).
    }
  }
  return false;
}

/** Process ids of DynamoDB Local JVMs (not their wrapper shells) listening on this port, from `ps`. */
function dynamoDbLocalJvms(port: number): number[] {
  return execFileSync("ps", ["-eo", "pid=,comm=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command, ...args]) => command === "java" && args.some((arg) => arg.endsWith("DynamoDBLocal.jar")) && args.join(" ").includes(`-port ${port}`))
    .map(([pid]) => Number(pid));
}

describe("DynamoDB Local's temporary files", () => {
  it("live in a private folder that is gone after stop, with no new libsqlite4java in os.tmpdir() and no JVM left", async () => {
    const before = sqliteLibrariesIn(tmpdir());
    const dynamo = await startDynamoDbLocal({ region: "us-east-1" });
    let jvms: number[] = [];
    try {
      jvms = dynamoDbLocalJvms(dynamo.port);
      expect(jvms).toHaveLength(1);
      // The native library the JVM loaded was extracted into the private folder, not into the shared one.
      const mapped = readFileSync(`/proc/${jvms[0]}/maps`, "utf8")
        .split("\n")
        .map((line) => line.split(/\s+/).slice(5).join(" "))
        .filter((path) => LIBRARY.test(path));
      expect(mapped.length).toBeGreaterThan(0);
      expect(new Set(mapped.map((path) => dirname(path)))).toEqual(new Set([dynamo.tempDir]));
      expect(dynamo.tempDir.startsWith(join(tmpdir(), "eks-warden-dynamodb-local-"))).toBe(true);
    } finally {
      await dynamo.stop();
    }
    expect(dynamo.stoppedBy()).toBe("SIGTERM");
    expect(existsSync(dynamo.tempDir)).toBe(false);
    expect(dynamoDbLocalJvms(dynamo.port)).toEqual([]);
    for (const pid of jvms) expect(existsSync(`/proc/${pid}`)).toBe(false);
    const appeared = [...sqliteLibrariesIn(tmpdir())].filter((name) => !before.has(name) && !mappedByLiveProcess(join(tmpdir(), name)));
    expect(appeared).toEqual([]);
  }, 60_000);
});
