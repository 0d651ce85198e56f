// A fleet's report written as it is serialised, never held whole: the text of `JSON.stringify(value, null, 2)`,
// byte for byte, in chunks of one array element at a time where the value holds a StreamedArray (the clusters of a
// scan, the results of a SARIF log, the findings of an ASFF batch). A 5,000-cluster scan's JSON is tens of MB: built
// as one string it sat in memory beside the objects it came from, and again in the stream's buffer.
import type { Writable } from "node:stream";

/** An array whose elements are made as they are written (each element is serialised whole, on its own, in one chunk). */
export class StreamedArray<T = unknown> {
  constructor(readonly items: Iterable<T>) {}
  toJSON(): T[] {
    return [...this.items];
  }
}

const INDENT = "  ";

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
}

/** Whether a StreamedArray sits in the value: only such containers are opened up; everything else is one chunk. */
function holdsStreamed(value: unknown): boolean {
  if (value instanceof StreamedArray) return true;
  if (!isContainer(value)) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(holdsStreamed);
}

/**
 * `JSON.stringify(value, null, 2)` of a value at `depth`, its inner lines indented to sit there (undefined: the value
 * has no JSON form). Stringified inside `depth` arrays, which indent it natively, and cut out: no second pass over
 * the text to indent it (a cluster's findings are most of a scan's JSON).
 */
function leaf(value: unknown, depth: number, key: string): string | undefined {
  if (depth === 0) return JSON.stringify(value, null, 2) as string | undefined;
  const json = typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON(key: string): unknown }).toJSON(key) : value;
  if (json === undefined || typeof json === "function" || typeof json === "symbol") return undefined;
  let wrapped: unknown = json;
  for (let level = 0; level < depth; level += 1) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // Cut "[\n  [\n    " (2 + 2k characters at each level k = 1..depth) and "\n  ]\n]" (2 + 2k, k = 0..depth-1).
  return text.slice(2 * depth + depth * (depth + 1), text.length - (2 * depth + depth * (depth - 1)));
}

function* chunksAt(value: unknown, depth: number, key: string, inArray: boolean): Generator<string> {
  if (!(value instanceof StreamedArray) && !(isContainer(value) && holdsStreamed(value))) {
    // As JSON.stringify: what has no JSON form is null in an array and left out (by the caller) in an object.
    yield leaf(value, depth, key) ?? (inArray ? "null" : "");
    return;
  }
  const inner = INDENT.repeat(depth + 1);
  const outer = INDENT.repeat(depth);
  if (value instanceof StreamedArray || Array.isArray(value)) {
    const streamed = value instanceof StreamedArray;
    const items: Iterable<unknown> = streamed ? value.items : value;
    let first = true;
    let index = 0;
    for (const item of items) {
      yield `${first ? "[\n" : ",\n"}${inner}`;
      first = false;
      // A streamed array's element is one chunk, serialised whole (a StreamedArray inside it too, by its toJSON): not
      // searched for streamed arrays first, a walk of every cluster's findings that cost a third of the JSON's time.
      if (streamed) yield leaf(item, depth + 1, String(index)) ?? "null";
      else yield* chunksAt(item, depth + 1, String(index), true);
      index += 1;
    }
    yield first ? "[]" : `\n${outer}]`;
    return;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    const shown = member instanceof StreamedArray || (isContainer(member) && holdsStreamed(member)) ? member : undefined;
    if (shown === undefined) {
      const text = leaf(member, depth + 1, key);
      if (text === undefined) continue;
      yield `${first ? "{\n" : ",\n"}${inner}${JSON.stringify(key)}: ${text}`;
    } else {
      yield `${first ? "{\n" : ",\n"}${inner}${JSON.stringify(key)}: `;
      yield* chunksAt(shown, depth + 1, key, false);
    }
    first = false;
  }
  yield first ? "{}" : `\n${outer}}`;
}

/** The chunks of `JSON.stringify(value, null, 2)` and a final line break, StreamedArrays written element by element. */
export function* jsonChunks(value: unknown): Generator<string> {
  yield* chunksAt(value, 0, "", false);
  yield "\n";
}

const BATCH_CHARS = 64 * 1024;

/**
 * Writes the chunks in batches of about 64 KiB (one write per batch, not per chunk), waiting for the stream to drain
 * when it asks to: at most a batch is held besides what the chunks are made from.
 */
export async function writeChunks(out: Writable, chunks: Iterable<string>): Promise<void> {
  let batch = "";
  const flush = async (): Promise<void> => {
    const text = batch;
    batch = "";
    if (text !== "" && !out.write(text)) await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        out.off("drain", done);
        out.off("error", done);
        if (error) reject(error);
        else resolve();
      };
      out.once("drain", done);
      out.once("error", done);
    });
  };
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length >= BATCH_CHARS) await flush();
  }
  await flush();
}
