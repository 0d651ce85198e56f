// A desired-state file read with positions: JSON or YAML (JSON is YAML) parsed by `yaml` into plain values, with the
// line and column of every object, array and key kept beside them, so a finding and an error can name the line.
// CloudFormation's short intrinsic tags (!Ref, !Sub, !GetAtt...) become their long form ({"Fn::GetAtt": ...}), as
// CloudFormation itself reads them; any other tag is an error at its position.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { WardenError } from "../errors.ts";
import { JsonSyntax, MAX_NESTING, parseJsonKeepingOffsets, TOO_DEEP, type JsonPositions } from "./json.ts";

/** A line and column in a file, both counted from 1. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The file cannot be read as what it claims to be: names the file, the line and column, and what was expected there. */
export class DesiredStateError extends WardenError {
  constructor(
    readonly file: string,
    readonly position: Position | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ""}: ${problem}`, options);
  }
}

/** CloudFormation's short-form tags and the long form each stands for (the CloudFormation template reference). */
const SHORT_INTRINSICS: Readonly<Record<string, string>> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  "!Base64": "Fn::Base64",
  "!Cidr": "Fn::Cidr",
  "!FindInMap": "Fn::FindInMap",
  "!GetAtt": "Fn::GetAtt",
  "!GetAZs": "Fn::GetAZs",
  "!ImportValue": "Fn::ImportValue",
  "!Join": "Fn::Join",
  "!Select": "Fn::Select",
  "!Split": "Fn::Split",
  "!Sub": "Fn::Sub",
  "!Transform": "Fn::Transform",
  "!And": "Fn::And",
  "!Equals": "Fn::Equals",
  "!If": "Fn::If",
  "!Not": "Fn::Not",
  "!Or": "Fn::Or",
  "!Length": "Fn::Length",
  "!ToJsonString": "Fn::ToJsonString",
};

const MAX_ALIASES = 1000;

/** Where an object or array and each of its keys (or items) start. */
interface Positions {
  readonly at: Position;
  readonly members: Map<string | number, Position>;
}

export interface ParsedDocument {
  readonly file: string;
  readonly value: unknown;
  /** Where `node` (an object or array of `value`) starts, or, with `member`, where that key's entry or item starts. */
  positionOf(node: unknown, member?: string | number): Position | undefined;
}

export interface ParseOptions {
  /** Accept CloudFormation's short intrinsic tags (YAML templates). Other tags are always refused. */
  readonly intrinsicTags?: boolean;
}

/** The line and column of each offset of `text`, by binary search over where the lines start. */
function lineIndex(text: string): (offset: number) => Position {
  const starts = [0];
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) starts.push(index + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}

/** JSON text (a plan, a CloudFormation or CDK template) read without composing a YAML document: the fast path. */
function parseJson(file: string, text: string): ParsedDocument {
  const offsets = new WeakMap<object, JsonPositions>();
  const at = lineIndex(text);
  let value: unknown;
  try {
    value = parseJsonKeepingOffsets(text, offsets);
  } catch (error) {
    if (error instanceof JsonSyntax) throw new DesiredStateError(file, at(error.offset), error.problem === TOO_DEEP ? TOO_DEEP : `not valid JSON or YAML: ${error.problem}`, { cause: error });
    throw error;
  }
  return {
    file,
    value,
    positionOf(node, member) {
      if (typeof node !== "object" || node === null) return undefined;
      const entry = offsets.get(node);
      if (entry === undefined) return undefined;
      return at(member === undefined ? entry.at : (entry.members.get(member) ?? entry.at));
    },
  };
}

/**
 * Where a YAML text nests deeper than MAX_NESTING, over-estimated line by line from its indentation (in columns), its
 * runs of "- " and "? " and its open flow brackets. The YAML composer recurses per level, and a few thousand levels
 * exhaust the stack, at worst fatally (V8 aborts the process): such a text is refused before it is parsed.
 */
function yamlTooDeepAt(text: string): Position | undefined {
  let flow = 0;
  let line = 0;
  for (let start = 0; start < text.length; line += 1) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    let index = start;
    while (text[index] === " ") index += 1;
    let depth = index - start;
    while ((text[index] === "-" || text[index] === "?") && (text[index + 1] === " " || index + 1 === end)) {
      depth += 1;
      index += 2;
      while (text[index] === " ") index += 1;
    }
    let quote: string | undefined;
    for (; index < end; index += 1) {
      const char = text[index];
      if (quote !== undefined) {
        if (char === quote) quote = undefined;
      } else if (char === '"' || char === "'") quote = char;
      else if (char === "#" && (index === start || text[index - 1] === " ")) break;
      else if (char === "[" || char === "{") {
        flow += 1;
        if (depth + flow > MAX_NESTING) return { line: line + 1, column: index - start + 1 };
      } else if ((char === "]" || char === "}") && flow > 0) flow -= 1;
    }
    if (depth + flow > MAX_NESTING) return { line: line + 1, column: 1 };
    start = end + 1;
  }
  return undefined;
}

/** Parses JSON or YAML; a syntax error or an unknown tag is a DesiredStateError at its line and column. */
export function parseWithPositions(file: string, text: string, options: ParseOptions = {}): ParsedDocument {
  if (/^\s*[[{]/.test(text) && /[}\]]\s*$/.test(text)) return parseJson(file, text);
  const tooDeep = yamlTooDeepAt(text);
  if (tooDeep !== undefined) throw new DesiredStateError(file, tooDeep, TOO_DEEP);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false, strict: true });
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    throw new DesiredStateError(file, at(firstError.pos[0]), `not valid JSON or YAML: ${firstError.message.split("\n")[0]}`, { cause: firstError });
  }
  const positions = new WeakMap<object, Positions>();
  let aliases = 0;

  const convert = (node: Node | null | undefined): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      // An alias repeats its anchor's value; a bounded number of them, so that nested aliases cannot blow up the file.
      aliases += 1;
      if (aliases > MAX_ALIASES) throw new DesiredStateError(file, at(node.range?.[0]), `more than ${MAX_ALIASES} YAML aliases (*name); expected a desired-state file, not an alias expansion`);
      const target = node.resolve(document);
      if (target === undefined) throw new DesiredStateError(file, at(node.range?.[0]), `alias *${node.source} names no anchor`);
      return convert(target as Node);
    }
    const tag = node.tag;
    const plain = convertUntagged(node);
    if (tag === undefined || !tag.startsWith("!") || tag.startsWith("!!")) return plain;
    const longForm = options.intrinsicTags ? SHORT_INTRINSICS[tag] : undefined;
    if (longForm === undefined) {
      const expected = options.intrinsicTags ? `one of CloudFormation's short intrinsic tags (${Object.keys(SHORT_INTRINSICS).join(", ")})` : "no tags in this format";
      throw new DesiredStateError(file, at(node.range?.[0]), `unknown tag ${tag}; expected ${expected}`);
    }
    // !GetAtt Cluster.Arn is short for {"Fn::GetAtt": ["Cluster", "Arn"]}.
    const value = longForm === "Fn::GetAtt" && typeof plain === "string" ? splitOnce(plain) : plain;
    const wrapped = { [longForm]: value };
    positions.set(wrapped, { at: at(node.range?.[0]) ?? { line: 1, column: 1 }, members: new Map() });
    return wrapped;
  };

  const convertUntagged = (node: Node): unknown => {
    if (isScalar(node)) return node.value;
    const start = at(node.range?.[0]) ?? { line: 1, column: 1 };
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      const members = new Map<string | number, Position>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = keyNode !== null && isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof key !== "string" && typeof key !== "number") {
          throw new DesiredStateError(file, at(keyNode?.range?.[0]), "expected a plain key (text), got a complex key");
        }
        const name = String(key);
        members.set(name, at(keyNode?.range?.[0]) ?? start);
        // defineProperty, not assignment: a key "__proto__" must stay data.
        Object.defineProperty(object, name, { value: convert(pair.value as Node | null), enumerable: true, writable: true, configurable: true });
      }
      positions.set(object, { at: start, members });
      return object;
    }
    if (isSeq(node)) {
      const members = new Map<string | number, Position>();
      const array = node.items.map((item, index) => {
        const itemNode = item as Node | null;
        members.set(index, at(itemNode?.range?.[0]) ?? start);
        return convert(itemNode);
      });
      positions.set(array, { at: start, members });
      return array;
    }
    return null;
  };

  const value = convert(document.contents as Node | null);
  return {
    file,
    value,
    positionOf(node, member) {
      if (typeof node !== "object" || node === null) return undefined;
      const entry = positions.get(node);
      if (entry === undefined) return undefined;
      return member === undefined ? entry.at : (entry.members.get(member) ?? entry.at);
    },
  };
}

function splitOnce(text: string): string[] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}
