// Help text wrapped to the terminal: a line too long is broken between words (never inside one), its continuation
// lines starting under the description column of an option line ("  --flag X    what it does"), or under the line's
// own indentation otherwise. Pure, but for terminalWidth.

/** Below this, a description column is too narrow to hang under: continuation lines use the line's indentation. */
const MIN_DESCRIPTION_WIDTH = 20;

/** The width to wrap to: the terminal's when stdout is one, else COLUMNS when set, else 80. */
export function terminalWidth(stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env["COLUMNS"]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return 80;
}

/** An option line's description column: after the first run of words and two or more spaces. */
const DESCRIPTION_COLUMN = /^(\s*\S+(?: \S+)*\s{2,})\S/;

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^\s*/.exec(line)![0].length;
  const column = DESCRIPTION_COLUMN.exec(line)?.[1]!.length;
  const prefixLength = column ?? lead;
  const indent = column !== undefined && width - column >= MIN_DESCRIPTION_WIDTH ? column : lead;
  const lines: string[] = [];
  let current = line.slice(0, prefixLength);
  let bare = true;
  for (const word of line.slice(prefixLength).split(/ +/).filter((part) => part.length > 0)) {
    if (!bare && current.length + 1 + word.length > width) {
      lines.push(current);
      current = " ".repeat(indent) + word;
      continue;
    }
    current += (bare ? "" : " ") + word;
    bare = false;
  }
  lines.push(current);
  return lines;
}

/**
 * The text's logical lines, when it has to be wrapped: a paragraph of prose (unindented lines, up to a blank line, a
 * heading ending in ":" or a "Usage:" line) is one line, and so is an option's description with the lines continuing
 * it under its column; the author's own breaks would otherwise leave ragged half-lines.
 */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let column: number | undefined;
  let prose = false;
  for (const line of text.split("\n")) {
    const lead = /^\s*/.exec(line)![0].length;
    const blank = line.trim().length === 0;
    const heading = line.trimEnd().endsWith(":") || line.startsWith("Usage:");
    const optionColumn = DESCRIPTION_COLUMN.exec(line)?.[1]!.length;
    const last = lines.length - 1;
    if (!blank && column !== undefined && lead === column && optionColumn === undefined) {
      lines[last] = `${lines[last]!.trimEnd()} ${line.trim()}`;
      continue;
    }
    if (!blank && prose && lead === 0 && !heading && optionColumn === undefined) {
      lines[last] = `${lines[last]!.trimEnd()} ${line.trim()}`;
      continue;
    }
    lines.push(line);
    column = blank ? undefined : optionColumn;
    prose = !blank && lead === 0 && !heading && optionColumn === undefined;
  }
  return lines;
}

/** `text` with every line longer than `width` broken between words; text that fits is left as written. */
export function wrapText(text: string, width: number): string {
  const lines = text.split("\n");
  if (lines.every((line) => line.length <= width)) return text;
  return logicalLines(text)
    .flatMap((line) => wrapLine(line, width))
    .join("\n");
}

/** Writes a command's help, wrapped to the terminal. */
export function printHelp(text: string): void {
  process.stdout.write(`${wrapText(text, terminalWidth())}\n`);
}
