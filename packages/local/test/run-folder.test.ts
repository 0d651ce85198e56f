// The local system's run folders (issue 25, item 15): one per run, named after its process; a start removes those
// whose process is gone and keeps the others.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeStaleRunFolders, runningSystems } from "../src/index.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "warden-run-folders-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function deadPid(): number {
  let pid = 4_000_000;
  while (existsSync(`/proc/${pid}`)) pid += 1;
  return pid;
}

describe("run folders", () => {
  it("a folder whose owner process is gone is removed, a live owner's is kept, other names are left alone", () => {
    const dead = deadPid();
    mkdirSync(join(root, `${dead}-abc`, "eks-warden-s3-1"), { recursive: true });
    mkdirSync(join(root, `${process.pid}-def`));
    mkdirSync(join(root, `${process.ppid}-ghi`));
    mkdirSync(join(root, "notes"));
    const removed = removeStaleRunFolders(root);
    expect(removed).toEqual([join(root, `${dead}-abc`)]);
    expect(readdirSync(root).sort()).toEqual([`${process.pid}-def`, `${process.ppid}-ghi`, "notes"].sort());
  });

  it("runningSystems lists the notes of live owners only, newest first", () => {
    const dead = deadPid();
    const note = (pid: number, startedAt: string) => JSON.stringify({ pid, startedAt, dynamodb: "http://127.0.0.1:1", tableName: `t-${pid}`, region: "eu-west-1" });
    mkdirSync(join(root, `${dead}-a`));
    writeFileSync(join(root, `${dead}-a`, "system.json"), note(dead, "2026-01-02T00:00:00.000Z"));
    mkdirSync(join(root, `${process.pid}-b`));
    writeFileSync(join(root, `${process.pid}-b`, "system.json"), note(process.pid, "2026-01-01T00:00:00.000Z"));
    mkdirSync(join(root, `${process.ppid}-c`));
    writeFileSync(join(root, `${process.ppid}-c`, "system.json"), note(process.ppid, "2026-01-03T00:00:00.000Z"));
    expect(runningSystems(root).map((found) => found.tableName)).toEqual([`t-${process.ppid}`, `t-${process.pid}`]);
  });
});
