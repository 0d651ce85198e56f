// The fuzzing harness: every parser a user or an attacker can feed is a FuzzTarget, thrown valid inputs (which must
// mean what they say once accepted) and hostile ones (which may only be refused with the module's documented errors).
// `npm test` runs each target FUZZ_RUNS times (1,000 by default); `npm run bench -- fuzz` runs them 100,000 times.
import fc from "fast-check";

type ErrorClass = abstract new (...args: never[]) => Error;

/** One parser, as an attacker meets it. `parse` may be async (file loaders). */
export interface FuzzTarget {
  readonly name: string;
  readonly parse: (input: unknown) => unknown;
  /** The errors the module documents: anything else thrown is a crash. */
  readonly errors: readonly ErrorClass[];
  /** Inputs the parser must accept, each with what the accepted value must say (round trip). */
  readonly valid: fc.Arbitrary<unknown>;
  /** Throws (an assertion) when an accepted valid input's output does not mean what the input said. */
  readonly meansWhatItSays: (input: unknown, output: unknown) => void;
  /** Inputs built to break it: wrong types, huge strings, deep nesting, control characters, prototype keys. */
  readonly hostile: fc.Arbitrary<unknown>;
  /**
   * For a hostile input the parser accepted: throws when the output claims more than the input said (e.g. a PASS from
   * a field it could not read). Optional: parsers whose output carries no verdict have nothing to claim.
   */
  readonly noFalseClaim?: (input: unknown, output: unknown) => void;
}

/** What one target went through. */
export interface FuzzFigures {
  readonly target: string;
  readonly runs: number;
  readonly accepted: number;
  /** Refusals, by documented error class. */
  readonly refused: Readonly<Record<string, number>>;
  readonly slowestMs: number;
}

/** A run is a hang when one input takes longer than this (the parsers answer in microseconds). */
export const HANG_MS = 2_000;

export function fuzzRuns(fallback = 1_000): number {
  const configured = Number(process.env["FUZZ_RUNS"]);
  return Number.isInteger(configured) && configured > 0 ? configured : fallback;
}

const CONTROL_AND_ODD_TEXT = fc.constantFrom(
  "",
  "\u0000",
  "\u001b[31mred\u001b[0m",
  "\u202eevil\u202c",
  "\ud800",
  "line\r\nSubject: forged",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "../../etc/passwd",
  "0.0.0.0/0",
  "true",
  "NaN",
  "__proto__",
);
const PROTOTYPE_KEYS = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty");

/** A value of the wrong shape for almost any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withUnicodeString: true }),
  CONTROL_AND_ODD_TEXT,
  fc.integer({ min: 1_000, max: 300_000 }).map((length) => "A".repeat(length)),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.integer({ min: 50, max: 1_000 }).map(nested),
  fc.tuple(PROTOTYPE_KEYS, fc.jsonValue()).map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}}`) as unknown),
  fc.constantFrom(null, undefined, Number.NaN, Infinity, -0, 2 ** 53 + 1, [], {}, true),
);

/** An object nested `depth` levels deep ({"a": {"a": ...}}), built without recursion so building it cannot overflow. */
function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

type Path = readonly (string | number)[];

/** Every path (keys and indices) inside a JSON-like value, the root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const here = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  }
  return here;
}

/** A copy of `value` with the field at `path` replaced (or removed), or with a prototype key planted beside it. */
export function mutate(value: unknown, path: Path, change: { replacement: unknown; remove: boolean; plantKey?: string }): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (change.plantKey !== undefined && !Array.isArray(parent)) Object.defineProperty(parent, change.plantKey, { value: change.replacement, enumerable: true, configurable: true, writable: true });
  else if (change.remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = change.replacement;
  return copy;
}

/** Valid samples with one field replaced by a hostile value, removed, or a prototype key planted beside it. */
export function mutations(samples: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return samples.chain((sample) => {
    const paths = pathsOf(sample);
    if (paths.length === 0) return hostileValue;
    return fc
      .record({ path: fc.constantFrom(...paths), replacement: hostileValue, remove: fc.boolean(), plant: fc.option(PROTOTYPE_KEYS, { nil: undefined }) })
      .map(({ path, replacement, remove, plant }) => mutate(sample, path, { replacement, remove, ...(plant !== undefined && { plantKey: plant }) }));
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

/** Thrown when a target crashed, hung, or accepted something that does not mean what it says: carries the input. */
export class FuzzFailure extends Error {}

async function once(target: FuzzTarget, input: unknown, refused: Record<string, number>): Promise<{ accepted: boolean; output?: unknown; ms: number }> {
  const started = performance.now();
  let output: unknown;
  try {
    output = await target.parse(input);
  } catch (error) {
    const ms = performance.now() - started;
    if (!target.errors.some((documented) => error instanceof documented)) {
      throw new FuzzFailure(`${target.name} threw ${errorName(error)} (${(error as Error)?.message?.slice(0, 300)}), not one of ${target.errors.map((type) => type.name).join(", ")}`, { cause: error });
    }
    refused[errorName(error)] = (refused[errorName(error)] ?? 0) + 1;
    if (ms > HANG_MS) throw new FuzzFailure(`${target.name} took ${ms.toFixed(0)} ms to refuse one input`);
    return { accepted: false, ms };
  }
  const ms = performance.now() - started;
  if (ms > HANG_MS) throw new FuzzFailure(`${target.name} took ${ms.toFixed(0)} ms to accept one input`);
  return { accepted: true, output, ms };
}

/**
 * Runs a target `runs` times on valid inputs and `runs` times on hostile ones. Throws fast-check's report (with the
 * shrunk counterexample and the seed to replay it) on the first crash, hang or wrong meaning.
 */
export async function fuzz(target: FuzzTarget, runs: number, seed?: number): Promise<FuzzFigures> {
  const refused: Record<string, number> = {};
  let accepted = 0;
  let slowestMs = 0;
  const options = { numRuns: runs, ...(seed !== undefined && { seed }), endOnFailure: false };
  await fc.assert(
    fc.asyncProperty(target.valid, async (input) => {
      const result = await once(target, input, refused);
      slowestMs = Math.max(slowestMs, result.ms);
      if (!result.accepted) throw new FuzzFailure(`${target.name} refused a valid input`);
      accepted++;
      target.meansWhatItSays(input, result.output);
    }),
    options,
  );
  await fc.assert(
    fc.asyncProperty(target.hostile, async (input) => {
      const result = await once(target, input, refused);
      slowestMs = Math.max(slowestMs, result.ms);
      if (result.accepted) {
        accepted++;
        target.noFalseClaim?.(input, result.output);
      }
    }),
    options,
  );
  return { target: target.name, runs: runs * 2, accepted, refused, slowestMs };
}
