// `eks-warden state` (issue 25, item 16): the findings a running local system has stored, read from its table, as a
// table or JSON; with no local system running, one line and exit 3. Each run gets its own TMPDIR, where the local
// system leaves the note of where it answers, so no other test's system is found.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warden, wardenInBackground } from "./scenario-helpers.ts";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "warden-state-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("eks-warden state", () => {
  it("says in one line that no local system runs, and exits 3", async () => {
    const run = await warden(["state"], { TMPDIR: scratch });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe("eks-warden state: no local system is running; start one with `eks-warden serve` (or `npm start`) and ask again while it runs\n");
    expect(run.stdout).toBe("");
  });

  it("lists the findings of the running local system, as a table and as JSON", async () => {
    const serve = wardenInBackground(["serve", "--time-scale", "0"], { TMPDIR: scratch });
    try {
      await serve.waitFor(/== watching/, 120_000);
      const table = await warden(["state"], { TMPDIR: scratch });
      expect(table.code, table.stderr).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^CLUSTER\s+REGION\s+RULE\s+STATUS\s+SEVERITY\s+SINCE$/);
      // The demo's fleet: web-public open to the world (the sweep at start stored it), vendor-ingress exempt.
      expect(lines).toContainEqual(expect.stringMatching(/^web-public\s+eu-west-1\s+endpoint-public-access\s+FAIL\s+CRITICAL\s+\d{4}-\d\d-\d\dT/));
      expect(lines).toContainEqual(expect.stringMatching(/^vendor-ingress\s+eu-west-1\s+endpoint-public-access\s+EXEMPT\s+CRITICAL\s/));
      // Within a cluster, the failing first.
      const web = lines.filter((line) => line.startsWith("web-public "));
      expect(web[0]).toMatch(/endpoint-public-access\s+FAIL/);

      const json = await warden(["state", "--format", "json"], { TMPDIR: scratch });
      expect(json.code, json.stderr).toBe(0);
      const rows = JSON.parse(json.stdout) as { cluster: string; region: string; rule: string; status: string; severity: string; since: string }[];
      expect(rows).toContainEqual(expect.objectContaining({ cluster: "web-public", region: "eu-west-1", rule: "endpoint-public-access", status: "FAIL", severity: "CRITICAL" }));
      // One row per cluster and rule the table showed.
      expect(rows).toHaveLength(lines.length - 1);

      const bad = await warden(["state", "--format", "yaml"], { TMPDIR: scratch });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('eks-warden state: --format "yaml": expected one of table, json\n');
    } finally {
      serve.child.kill("SIGINT");
      await serve.exited;
    }
    // Stopped: no local system any more.
    expect((await warden(["state"], { TMPDIR: scratch })).code).toBe(3);
  }, 240_000);
});
