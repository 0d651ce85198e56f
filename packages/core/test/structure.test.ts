// Core's shape (docs/design.md, "Inside core"): no import circle between its files, type-only imports included, and
// none between its areas (a folder, or a file at the root), so every import runs from an area down to one it uses.
// A circle between areas is how a layer starts to depend on the ones above it; this test names the imports that close it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** file -> the files of core it imports (relative specifiers). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((match) => resolve(dirname(file), match[1]!));
    graph.set(relative(SRC, file), targets.map((target) => relative(SRC, target)));
  }
  return graph;
}

/** The area of a file: its top folder under src/, or the file itself at the root. */
function areaOf(file: string): string {
  const [top, ...rest] = file.split("/");
  return rest.length > 0 ? `${top}/` : top!;
}

/** Every strongly connected group of more than one node (or a node importing itself): the circles. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      group.push(member);
      if (member === node) break;
    }
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe("core's structure", () => {
  const files = importGraph();

  it("reads every file of core and the imports between them", () => {
    expect(files.size).toBeGreaterThan(50);
    expect(files.get("pipeline/judgement.ts")).toContain("state/transitions.ts");
  });

  it("has no import circle between files, type-only imports included", () => {
    expect(circles(files)).toEqual([]);
  });

  it("has no circle between its areas: every import runs down to an area it uses", () => {
    const areas = new Map<string, string[]>();
    const why = new Map<string, string[]>();
    for (const [file, targets] of files) {
      const from = areaOf(file);
      for (const target of targets) {
        const to = areaOf(target);
        if (from === to) continue;
        areas.set(from, [...(areas.get(from) ?? []), to]);
        why.set(`${from} -> ${to}`, [...(why.get(`${from} -> ${to}`) ?? []), `${file} -> ${target}`]);
      }
      if (!areas.has(from)) areas.set(from, []);
    }
    const found = circles(areas).map((group) => ({
      areas: group,
      imports: [...why].filter(([edge]) => group.some((a) => edge.startsWith(`${a} -> `)) && group.some((b) => edge.endsWith(` -> ${b}`))).flatMap(([, list]) => list),
    }));
    expect(found).toEqual([]);
  });
});
