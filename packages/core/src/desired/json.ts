// A JSON reader that keeps where each object, array and key starts, for the large files CI feeds `eks-warden check`
// (a Terraform plan of hundreds of resources): several times faster than composing a YAML document for the same
// text, with the same result shape (plain values, positions by node). Syntax errors name the line and column.

export interface JsonPositions {
  readonly at: number;
  readonly members: Map<string | number, number>;
}

export class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/**
 * How deep values may nest in a desired-state file (JSON or YAML). Real plans and templates nest tens of levels; a file
 * nested thousands deep exists only to exhaust the reader's stack.
 */
export const MAX_NESTING = 256;
export const TOO_DEEP = `values nested deeper than ${MAX_NESTING} levels; a plan, template or eksctl config never needs that many`;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS: readonly [string, unknown][] = [
  ["true", true],
  ["false", false],
  ["null", null],
];

/** Parses JSON text; `positions` receives each object and array with the offset it and each member start at. */
export function parseJsonKeepingOffsets(text: string, positions: WeakMap<object, JsonPositions>): unknown {
  let index = 0;
  const describe = () => (index >= text.length ? "the end of the file" : JSON.stringify(text[index]));
  const fail = (problem: string): never => {
    throw new JsonSyntax(index, problem);
  };
  const skip = () => {
    for (;;) {
      const code = text.charCodeAt(index);
      if (code === 32 || code === 10 || code === 13 || code === 9) index += 1;
      else return;
    }
  };
  const string = (): string => {
    const start = index;
    index += 1;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(index);
      if (Number.isNaN(code)) fail("unterminated string");
      if (code === 34) break;
      if (code === 92) {
        escaped = true;
        index += 2;
        continue;
      }
      if (code < 32) fail("a control character inside a string");
      index += 1;
    }
    index += 1;
    if (!escaped) return text.slice(start + 1, index - 1);
    try {
      return JSON.parse(text.slice(start, index)) as string;
    } catch {
      index = start;
      return fail("an invalid escape in a string");
    }
  };
  const value = (depth: number): unknown => {
    skip();
    const char = text[index];
    if ((char === "{" || char === "[") && depth >= MAX_NESTING) fail(TOO_DEEP);
    if (char === "{") {
      const object: Record<string, unknown> = {};
      const members = new Map<string | number, number>();
      positions.set(object, { at: index, members });
      index += 1;
      skip();
      if (text[index] === "}") {
        index += 1;
        return object;
      }
      for (;;) {
        skip();
        if (text[index] !== '"') fail(`expected a key in double quotes, got ${describe()}`);
        const keyAt = index;
        const key = string();
        skip();
        if (text[index] !== ":") fail(`expected ":" after the key, got ${describe()}`);
        index += 1;
        members.set(key, keyAt);
        // defineProperty, not assignment: a key "__proto__" must stay data.
        Object.defineProperty(object, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        skip();
        if (text[index] === ",") {
          index += 1;
          continue;
        }
        if (text[index] === "}") {
          index += 1;
          return object;
        }
        fail(`expected "," or "}" after a member, got ${describe()}`);
      }
    }
    if (char === "[") {
      const array: unknown[] = [];
      const members = new Map<string | number, number>();
      positions.set(array, { at: index, members });
      index += 1;
      skip();
      if (text[index] === "]") {
        index += 1;
        return array;
      }
      for (;;) {
        skip();
        members.set(array.length, index);
        array.push(value(depth + 1));
        skip();
        if (text[index] === ",") {
          index += 1;
          continue;
        }
        if (text[index] === "]") {
          index += 1;
          return array;
        }
        fail(`expected "," or "]" after an item, got ${describe()}`);
      }
    }
    if (char === '"') return string();
    NUMBER.lastIndex = index;
    const number = NUMBER.exec(text);
    if (number !== null) {
      index += number[0].length;
      return Number(number[0]);
    }
    for (const [word, literal] of LITERALS) {
      if (text.startsWith(word, index)) {
        index += word.length;
        return literal;
      }
    }
    return fail(`expected a value, got ${describe()}`);
  };
  const result = value(0);
  skip();
  if (index < text.length) fail(`expected the end of the file after the value, got ${describe()}`);
  return result;
}
