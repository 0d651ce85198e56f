// Every temporary thing of a local system (DynamoDB Local's private folder, the S3 emulator's objects, the note that
// says where the system answers) lives in one folder per run, `<tmpdir>/eks-warden/<pid>-<start>`: one `rm` cleans a
// run, and the next start removes the folders of runs whose process is gone (a `kill -9` gives no chance to clean).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The folder every local system's run folder lives in. */
export function localSystemsRoot(): string {
  return join(tmpdir(), "eks-warden");
}

const RUN_FOLDER = /^(\d+)-/;
const NOTE_FILE = "system.json";

/** Whether process `pid` is alive (EPERM: it is, but owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function runFolders(root: string): { readonly path: string; readonly pid: number }[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const pid = RUN_FOLDER.exec(name)?.[1];
    return pid === undefined ? [] : [{ path: join(root, name), pid: Number(pid) }];
  });
}

/** Removes the run folders whose owner process is gone; returns their paths. A live owner's folder is kept. */
export function removeStaleRunFolders(root: string = localSystemsRoot()): string[] {
  const removed: string[] = [];
  for (const folder of runFolders(root)) {
    if (folder.pid === process.pid || processAlive(folder.pid)) continue;
    rmSync(folder.path, { recursive: true, force: true });
    removed.push(folder.path);
  }
  return removed;
}

/** A new run folder of this process, after removing the stale ones. */
export function createRunFolder(root: string = localSystemsRoot()): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  removeStaleRunFolders(root);
  return mkdtempSync(join(root, `${process.pid}-`));
}

/** Where a running local system answers: what `eks-warden state` needs to read its table. */
export interface LocalSystemNote {
  readonly pid: number;
  readonly startedAt: string;
  readonly dynamodb: string;
  readonly tableName: string;
  readonly region: string;
}

export function writeSystemNote(folder: string, note: LocalSystemNote): void {
  writeFileSync(join(folder, NOTE_FILE), `${JSON.stringify(note)}\n`, { mode: 0o600 });
}

function isNote(value: unknown): value is LocalSystemNote {
  if (typeof value !== "object" || value === null) return false;
  const note = value as Record<string, unknown>;
  return Number.isInteger(note["pid"]) && typeof note["startedAt"] === "string" && typeof note["dynamodb"] === "string" && typeof note["tableName"] === "string" && typeof note["region"] === "string";
}

/** The notes of the local systems running now (their process alive), newest first. */
export function runningSystems(root: string = localSystemsRoot()): LocalSystemNote[] {
  const notes: LocalSystemNote[] = [];
  for (const folder of runFolders(root)) {
    if (!processAlive(folder.pid)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(folder.path, NOTE_FILE), "utf8"));
    } catch {
      continue; // still starting, or not a system's folder
    }
    if (isNote(parsed) && parsed.pid === folder.pid) notes.push(parsed);
  }
  return notes.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
