// What test/docs.test.ts reads in the Markdown of README.md and docs/: headings (as GitHub anchors them), relative
// links, and the `eks-warden` invocations a page shows. Pure: text in, data out; fenced code is skipped for headings
// and links (a `# comment` in a shell block is no heading) but read for invocations (a command in a block is shown).

export interface MarkdownLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly text: string;
  readonly inFence: boolean;
}

export function markdownLines(source: string): MarkdownLine[] {
  let fence: string | undefined;
  return source.split("\n").map((text, index) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (opener !== undefined && (fence === undefined || opener.startsWith(fence))) {
      const wasIn = fence !== undefined;
      fence = wasIn ? undefined : opener;
      return { line: index + 1, text, inFence: true };
    }
    return { line: index + 1, text, inFence: fence !== undefined };
  });
}

/**
 * GitHub's anchor for a heading's text (github-slugger, which github.com uses): the rendered text lower-cased, every
 * character that is not a letter, mark, number, connector (`_`), hyphen or space removed, each space made a hyphen.
 * Rendered: inline code loses its backticks, a link keeps its text, emphasis loses its asterisks.
 */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .replace(/\*/g, "");
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page's headings give, duplicates numbered as GitHub numbers them (`x`, `x-1`, `x-2`). */
export function headingAnchors(source: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text, inFence } of markdownLines(source)) {
    if (inFence) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

/** The targets of inline links and images outside fenced code, with their lines. */
export function markdownLinks(source: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text, inFence } of markdownLines(source)) {
    if (inFence) continue;
    for (const match of text.matchAll(/!?\[(?:[^\]]|\\\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line, target: match[1]! });
    }
  }
  return links;
}

/** A link that leaves the repository (a scheme such as https: or mailto:), which this check does not follow. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

export interface Invocation {
  readonly line: number;
  /** The command word (`scan`), or a top-level option (`--version`). */
  readonly command: string;
  /** The options given after it, e.g. `--region`. */
  readonly options: readonly string[];
  readonly text: string;
}

/**
 * Every `eks-warden <command> ...` and `npm run warden -- <command> ...` a page shows, in prose, tables and code.
 * The invocation ends where its code span, table cell, redirection, pipe or shell comment does.
 */
export function cliInvocations(source: string): Invocation[] {
  const found: Invocation[] = [];
  for (const { line, text } of markdownLines(source)) {
    for (const match of text.matchAll(/(?:(?<![\w:/-])eks-warden|npm run warden --)[ \t]+(--?[a-z][a-z-]*|[a-z][a-z-]*)([^`|>#\n]*)/g)) {
      const command = match[1]!;
      const rest = match[2] ?? "";
      const options = [...rest.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((option) => option[1]!);
      found.push({ line, command, options, text: `${match[0]}`.trim() });
    }
  }
  return found;
}
