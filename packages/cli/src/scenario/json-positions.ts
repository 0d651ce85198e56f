// JSON.parse that remembers where every value came from, so that a validation error can name the line of the field
// it is about (`scenarios/bad.json:14: steps[3].advance: ...`). JSON.parse itself keeps no positions, and its syntax
// errors give a character offset at best; this parser gives line and column for both.
import { formatPath } from "@eks-warden/core";

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface PositionedJson {
  readonly value: unknown;
  /**
   * Where each value starts, keyed by its path as formatPath writes it (`steps[3].advance`, `""` for the root).
   * For an object member the position is that of its key, the first thing a reader looks for.
   */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    readonly problem: string,
    readonly position: SourcePosition,
  ) {
    super(`line ${position.line}, column ${position.column}: ${problem}`);
  }
}

type PathKey = string | number;

/**
 * How deep values may nest. Scenario, fleet and policy files nest a handful of levels; a file nested thousands deep
 * is damage or an attack, and would otherwise exhaust the stack of this recursive parser.
 */
export const MAX_JSON_NESTING = 256;

/** Parses JSON text (RFC 8259, as JSON.parse accepts it) and records the position of every value. */
export function parseJsonWithPositions(text: string): PositionedJson {
  const positions = new Map<string, SourcePosition>();
  let index = 0;
  let line = 1;
  let lineStart = 0;

  const here = (): SourcePosition => ({ line, column: index - lineStart + 1 });
  const fail = (problem: string, at: SourcePosition = here()): never => {
    throw new JsonSyntaxError(problem, at);
  };
  const describe = (): string => (index >= text.length ? "the end of the file" : JSON.stringify(text[index]));

  function skipWhitespace(): void {
    while (index < text.length) {
      const char = text[index];
      if (char === "\n") {
        line += 1;
        lineStart = index + 1;
      } else if (char !== " " && char !== "\t" && char !== "\r") {
        return;
      }
      index += 1;
    }
  }

  function parseString(): string {
    const start = here();
    const from = index;
    index += 1; // the opening quote
    while (index < text.length) {
      const char = text[index]!;
      if (char === '"') {
        index += 1;
        try {
          return JSON.parse(text.slice(from, index)) as string;
        } catch {
          return fail("invalid escape sequence in a string", start);
        }
      }
      if (char === "\\") index += 2;
      else if (char === "\n" || char < " ") return fail("a string must not contain a line break or control character (unterminated string?)", here());
      else index += 1;
    }
    return fail("unterminated string", start);
  }

  function parseNumber(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(index));
    if (!match) return fail(`unexpected ${describe()}; expected a value`);
    index += match[0].length;
    return Number(match[0]);
  }

  function parseLiteral<T>(word: string, value: T): T {
    if (text.startsWith(word, index)) {
      index += word.length;
      return value;
    }
    return fail(`unexpected ${describe()}; expected a value (a string, number, object, array, true, false or null)`);
  }

  function parseValue(path: PathKey[], position?: SourcePosition): unknown {
    skipWhitespace();
    if (path.length > MAX_JSON_NESTING) return fail(`values nested deeper than ${MAX_JSON_NESTING} levels; a scenario, fleet or policy file never needs that many`);
    positions.set(formatPath(path), position ?? here());
    const char = text[index];
    if (char === "{") return parseObject(path);
    if (char === "[") return parseArray(path);
    if (char === '"') return parseString();
    if (char === "t") return parseLiteral("true", true);
    if (char === "f") return parseLiteral("false", false);
    if (char === "n") return parseLiteral("null", null);
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return parseNumber();
    if (char === "/" && (text[index + 1] === "/" || text[index + 1] === "*")) return fail("comments are not allowed in JSON");
    return fail(`unexpected ${describe()}; expected a value (a string, number, object, array, true, false or null)`);
  }

  function parseObject(path: PathKey[]): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    index += 1;
    skipWhitespace();
    if (text[index] === "}") {
      index += 1;
      return result;
    }
    let comma: SourcePosition | undefined;
    for (;;) {
      skipWhitespace();
      if (text[index] === "}" && comma) return fail("trailing comma: no property follows it before }", comma);
      if (text[index] === "/" && (text[index + 1] === "/" || text[index + 1] === "*")) return fail("comments are not allowed in JSON");
      if (text[index] !== '"') return fail(`unexpected ${describe()}; expected a property name in double quotes`);
      const keyPosition = here();
      const key = parseString();
      skipWhitespace();
      if (text[index] !== ":") return fail(`unexpected ${describe()}; expected ':' after the property name ${JSON.stringify(key)}`);
      index += 1;
      const value = parseValue([...path, key], keyPosition);
      // Defined as JSON.parse does (last one wins), but without letting "__proto__" reach the prototype.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      skipWhitespace();
      if (text[index] === ",") {
        comma = here();
        index += 1;
        continue;
      }
      if (text[index] === "}") {
        index += 1;
        return result;
      }
      return fail(`unexpected ${describe()}; expected ',' or '}' after the value of ${JSON.stringify(key)}`);
    }
  }

  function parseArray(path: PathKey[]): unknown[] {
    const result: unknown[] = [];
    index += 1;
    skipWhitespace();
    if (text[index] === "]") {
      index += 1;
      return result;
    }
    let comma: SourcePosition | undefined;
    for (;;) {
      skipWhitespace();
      if (text[index] === "]" && comma) return fail("trailing comma: no item follows it before ]", comma);
      result.push(parseValue([...path, result.length]));
      skipWhitespace();
      if (text[index] === ",") {
        comma = here();
        index += 1;
        continue;
      }
      if (text[index] === "]") {
        index += 1;
        return result;
      }
      return fail(`unexpected ${describe()}; expected ',' or ']' after item ${result.length - 1}`);
    }
  }

  // A byte order mark is not JSON, but editors write it; JSON.parse of a file read as UTF-8 would choke on it too.
  if (text.charCodeAt(0) === 0xfeff) {
    index = 1;
    lineStart = 1;
  }
  const value = parseValue([]);
  skipWhitespace();
  if (index < text.length) fail(`unexpected ${describe()} after the end of the JSON value`);
  return { value, positions };
}

/**
 * The position for an issue at `path`: the value itself, else its nearest ancestor that exists (a missing field is
 * reported where its object starts).
 */
export function positionOf(positions: ReadonlyMap<string, SourcePosition>, path: readonly PropertyKey[]): SourcePosition | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const found = positions.get(formatPath(path.slice(0, length)));
    if (found) return found;
  }
  return undefined;
}

/** Splits a path formatPath wrote (`a.b[2]["odd key"]`) back into its keys. */
export function parsePath(text: string): PathKey[] {
  const keys: PathKey[] = [];
  const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) keys.push(Number(match[1]));
    else if (match[2] !== undefined) keys.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) keys.push(match[3]);
  }
  return keys;
}
