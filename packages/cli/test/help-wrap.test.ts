// Help wrapped to the terminal (issue 25, item 16): never wider than the terminal (or COLUMNS, or 80 when piped),
// broken between words only, an option's description continuing under its column.
import { describe, expect, it } from "vitest";
import { terminalWidth, wrapText } from "../src/output/wrap.ts";
import { warden } from "./scenario-helpers.ts";

const words = (text: string) => text.split(/\s+/).filter((word) => word.length > 0);

describe("wrapText", () => {
  const help = [
    "Usage: eks-warden thing [options]",
    "",
    "Does a thing to every cluster of every region of every account that the credentials can see, one after the other,",
    "and then says so.",
    "",
    "Options:",
    "  --region REGION       a region to read (repeatable); default: the policy's regions, else the configured region",
    "  -h, --help            show this help",
  ].join("\n");

  it("breaks only between words, to the width, continuing an option's description under its column", () => {
    const wrapped = wrapText(help, 60);
    const lines = wrapped.split("\n");
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    // Nothing lost, nothing cut inside a word.
    expect(words(wrapped)).toEqual(words(help));
    expect(lines).toContain("  --region REGION       a region to read (repeatable);");
    expect(lines).toContain("                        default: the policy's regions, else");
    // Prose is one paragraph again, not the author's break plus a ragged half-line.
    expect(lines).toContain("Does a thing to every cluster of every region of every");
    expect(lines).toContain("and then says so.");
    expect(lines).toContain("  -h, --help            show this help");
  });

  it("leaves text that fits as it is written, and a word longer than the width whole on its own line", () => {
    expect(wrapText(help, 200)).toBe(help);
    expect(wrapText(`short ${"x".repeat(30)} end`, 20).split("\n")).toEqual(["short", "x".repeat(30), "end"]);
  });
});

describe("terminalWidth", () => {
  it("is the terminal's width on a terminal, else COLUMNS, else 80", () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: "50" })).toBe(132);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "50" })).toBe(50);
    expect(terminalWidth({ isTTY: false }, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "wide" })).toBe(80);
  });
});

describe("eks-warden help", () => {
  it("wraps each command's help and the command list to COLUMNS, and to 80 when piped", async () => {
    for (const args of [["help", "scan"], ["serve", "--help"], ["--help"]]) {
      const narrow = await warden(args, { COLUMNS: "60" });
      expect(narrow.code).toBe(0);
      const long = narrow.stdout.split("\n").filter((line) => line.length > 60);
      // Only a single word longer than the width may stick out.
      expect(long.filter((line) => words(line).length > 1), args.join(" ")).toEqual([]);
    }
    const piped = await warden(["help", "scan"], { COLUMNS: undefined });
    expect(piped.stdout.split("\n").filter((line) => line.length > 80)).toEqual([]);
  }, 60_000);
});
