// The README and package.json promise Node.js 20.19+: every installed package must accept it, or `npm ci` warns
// (EBADENGINE) and the package may use what Node 20 lacks. Checked on package-lock.json, which is what `npm ci` installs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// semver is in node_modules through npm's own tooling dependencies; it ships no types, so its two functions used here.
const semver = createRequire(import.meta.url)("semver") as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

const root = new URL("../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as {
  packages: Record<string, { version?: string; engines?: unknown; optional?: boolean }>;
};

describe("Node.js engines", () => {
  it("every package in package-lock.json accepts the oldest Node.js the root package.json allows", () => {
    const oldest = semver.minVersion(manifest.engines.node)?.version;
    expect(oldest).toBe("20.19.0");
    const refusing = Object.entries(lock.packages)
      .map(([path, entry]) => ({ path, version: entry.version, node: (entry.engines as { node?: unknown } | undefined)?.node }))
      .filter((entry): entry is { path: string; version: string | undefined; node: string } => typeof entry.node === "string")
      .filter((entry) => !semver.satisfies(oldest as string, entry.node))
      .map((entry) => `${entry.path}@${entry.version ?? "?"} needs node ${entry.node}`);
    expect(refusing).toEqual([]);
  });
});
