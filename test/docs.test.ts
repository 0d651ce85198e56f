// The README is the front door (issue 25): at most 250 lines, every relative link in it and in docs/ leads to a file
// that exists (and a #anchor to a heading of that file, as GitHub anchors it), and every `eks-warden` command it
// shows is one the CLI has, with options that command's own help lists. The CLI's help is the source of truth: it is
// asked, as a user would, by running the installed command (CLI_ENTRY: the bin script; no AWS, no network).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_ENTRY } from "../packages/cli/test/scenario-helpers.ts";
import { cliInvocations, githubSlug, headingAnchors, isExternal, markdownLinks } from "./support/markdown.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const README = join(root, "README.md");
const DOCS = join(root, "docs");
const README_MAX_LINES = 250;

const pages = [README, ...readdirSync(DOCS).filter((name) => name.endsWith(".md")).map((name) => join(DOCS, name))];
const read = (file: string) => readFileSync(file, "utf8");
const shown = (file: string) => relative(root, file);

/** Every broken relative link of a page, as `page:line: target: why`. */
function brokenLinks(page: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of markdownLinks(read(page))) {
    if (isExternal(target)) continue;
    const hash = target.indexOf("#");
    const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const file = path === "" ? page : join(dirname(page), path);
    const where = `${shown(page)}:${line}: ${target}`;
    if (!existsSync(file)) {
      problems.push(`${where}: no such file (${shown(file)})`);
      continue;
    }
    if (anchor === undefined || !file.endsWith(".md") || statSync(file).isDirectory()) continue;
    if (!headingAnchors(read(file)).has(anchor)) problems.push(`${where}: ${shown(file)} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

const run = promisify(execFile);
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...CLI_ENTRY, ...args], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return stdout;
}

/** The CLI as its help describes it: top-level help, and each command's help. */
interface CliHelp {
  readonly top: string;
  readonly commands: ReadonlyMap<string, string>;
}

async function cliHelp(): Promise<CliHelp> {
  const top = await cli("--help");
  const listed = top.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
  const names = [...listed.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((match) => match[1]!);
  const helps = await Promise.all(names.map(async (name) => [name, await cli("help", name)] as const));
  return { top, commands: new Map(helps) };
}

/** What is wrong with each `eks-warden` invocation a page shows, as `page:line: problem`. */
function unknownInvocations(page: string, help: CliHelp): string[] {
  const problems: string[] = [];
  const optionsIn = (text: string) => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);
  const topOptions = optionsIn(help.top);
  for (const { line, command, options, text } of cliInvocations(read(page))) {
    const where = `${shown(page)}:${line}: ${text}`;
    if (command.startsWith("-")) {
      if (!topOptions.has(command)) problems.push(`${where}: ${command} is not in \`eks-warden --help\``);
      continue;
    }
    if (command === "help") {
      if (!help.top.includes("eks-warden help <command>")) problems.push(`${where}: \`eks-warden --help\` offers no help command`);
      continue;
    }
    const usage = help.commands.get(command);
    if (usage === undefined) {
      problems.push(`${where}: no command ${command} (eks-warden --help lists ${[...help.commands.keys()].join(", ")})`);
      continue;
    }
    const known = optionsIn(usage);
    for (const option of options) {
      if (!known.has(option) && !topOptions.has(option)) problems.push(`${where}: ${option} is not in \`eks-warden help ${command}\``);
    }
  }
  return problems;
}

describe("the README", () => {
  it(`is at most ${README_MAX_LINES} lines: the front door, with the reference in docs/`, () => {
    const lines = read(README).replace(/\n$/, "").split("\n").length;
    expect(lines, `README.md has ${lines} lines`).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("links every file of docs/", () => {
    const linked = new Set(markdownLinks(read(README)).map(({ target }) => target.split("#")[0]));
    const unlinked = pages.filter((page) => page !== README).map(shown).filter((page) => !linked.has(page));
    expect(unlinked).toEqual([]);
  });
});

describe("links in README.md and docs/", () => {
  it.each(pages.map((page) => [shown(page), page]))("every relative link of %s resolves, anchors included", (_name, page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});

describe("the commands the README shows", () => {
  let help: CliHelp;
  beforeAll(async () => {
    help = await cliHelp();
  }, 120_000);

  it("reads the CLI's own command list", () => {
    expect([...help.commands.keys()]).toEqual(expect.arrayContaining(["evaluate", "scan", "run", "serve", "digest", "synth"]));
  });

  it("shows at least one invocation of every command the CLI has", () => {
    const commands = new Set(cliInvocations(read(README)).map(({ command }) => command));
    expect([...help.commands.keys()].filter((name) => !commands.has(name))).toEqual([]);
  });

  it("names only commands the CLI has, with options their help lists (README.md and docs/)", () => {
    expect(pages.flatMap((page) => unknownInvocations(page, help))).toEqual([]);
  });
});

describe("how links and commands are read", () => {
  it("anchors headings as GitHub does", () => {
    expect(githubSlug("What `npm start` shows")).toBe("what-npm-start-shows");
    expect(githubSlug("Why the targets are not met: the floor")).toBe("why-the-targets-are-not-met-the-floor");
    expect(githubSlug("`eks-warden scan`: EKS calls")).toBe("eks-warden-scan-eks-calls");
    expect(githubSlug("Exemption governance (SCP)")).toBe("exemption-governance-scp");
    expect(githubSlug("`eks-warden run SCENARIO [--format text|jsonl]`")).toBe("eks-warden-run-scenario---format-textjsonl");
    expect([...headingAnchors("# A\n## A\n```sh\n# not a heading\n```\n### A")]).toEqual(["a", "a-1", "a-2"]);
  });

  it("finds links outside fenced code, and invocations anywhere, each with its options", () => {
    expect(markdownLinks("[a](x.md#y) `[b](z)`?\n```\n[c](no.md)\n```").map(({ target }) => target)).toEqual(["x.md#y", "z"]);
    const invocations = cliInvocations("`eks-warden scan --region R --profile P` and\n```sh\nnpm run warden -- evaluate --cluster c.json > out # --not-this\n```\n`eks-warden:exempt` tag");
    expect(invocations.map(({ command, options }) => [command, options])).toEqual([
      ["scan", ["--region", "--profile"]],
      ["evaluate", ["--cluster"]],
    ]);
  });
});
