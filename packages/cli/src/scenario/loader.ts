// Reads and validates a scenario file, reporting every problem with the file, line and field it is about:
//   scenarios/bad.json:14: steps[3].advance: "15 minutes" is not a duration; expected e.g. "90s", "15m", "2h", "1h30m"
// The fleet and the policy may be inline or in files of their own; their problems name their own file and line.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { ValidationError, parsePolicy, formatPath, issuesFromZod } from "@eks-warden/core";
import type { Policy } from "@eks-warden/core";
import { validateFleet, type Fleet, type ValidFleet } from "@eks-warden/simulator/fleet";
import { CliInputError } from "../commands/command.ts";
import { JsonSyntaxError, parseJsonWithPositions, parsePath, positionOf, type SourcePosition } from "./json-positions.ts";
import { scenarioSchema, STEP_KINDS, STEP_SCHEMAS, type Step, type StepKind } from "./schema.ts";

export interface ScenarioIssue {
  /** The file as the user named it (relative to the working directory when inside it). */
  readonly file: string;
  readonly position?: SourcePosition;
  /** The field, e.g. steps[3].advance; "" for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

export function formatIssue(issue: ScenarioIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** The scenario (or a file it refers to) is wrong: every issue, one line each. Exit 2, like any bad input. */
export class ScenarioError extends CliInputError {
  readonly issues: readonly ScenarioIssue[];
  constructor(issues: readonly ScenarioIssue[], options?: { cause?: unknown }) {
    // In file order, as a reader fixes them.
    const sorted = [...issues].sort((a, b) => (a.file === b.file ? (a.position?.line ?? 0) - (b.position?.line ?? 0) : a.file < b.file ? -1 : 1));
    super(sorted.map(formatIssue).join("\n"), options);
    this.issues = sorted;
  }
}

export interface ScenarioIdentity {
  readonly name: string;
  /** Derived from the name: the simulator maps the access key of a signed call to this identity. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly arn: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

export interface Scenario {
  readonly file: string;
  readonly description?: string;
  /** The fleet object (a file's content when the scenario names a file), for startSimulator. */
  readonly fleetInput: Fleet;
  readonly fleet: ValidFleet;
  readonly policy: Policy;
  /** The policy as written, for the POLICY environment variable of the handlers (they validate it again). */
  readonly policyInput: Readonly<Record<string, unknown>>;
  readonly identities: ReadonlyMap<string, ScenarioIdentity>;
  readonly steps: readonly Step[];
}

function displayName(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}

interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

async function readJsonFile(path: string, referredFrom?: { file: string; position?: SourcePosition; path: string }): Promise<ParsedFile> {
  const file = displayName(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    const issue = referredFrom
      ? { file: referredFrom.file, ...(referredFrom.position && { position: referredFrom.position }), path: referredFrom.path, message: `cannot read ${file} (${reason})` }
      : { file, path: "", message: `cannot read the file (${reason})` };
    throw new ScenarioError([issue], { cause: error });
  }
  try {
    const { value, positions } = parseJsonWithPositions(text);
    return { file, value, positions };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new ScenarioError([{ file, position: error.position, path: "", message: `not valid JSON: ${error.problem} (column ${error.position.column})` }], { cause: error });
  }
}

function issueAt(parsed: ParsedFile, path: readonly PropertyKey[], message: string): ScenarioIssue {
  const position = positionOf(parsed.positions, path);
  return { file: parsed.file, ...(position && { position }), path: formatPath(path), message };
}

/** A ValidationError (path strings relative to `prefix` in `parsed`) as issues with positions. */
function issuesFromValidation(error: ValidationError, parsed: ParsedFile, prefix: readonly PropertyKey[]): ScenarioIssue[] {
  return error.issues.map((issue) => issueAt(parsed, [...prefix, ...parsePath(issue.path)], issue.message));
}

function accessKeyFor(name: string): string {
  return `AKIASCN${createHash("sha256").update(name).digest("hex").slice(0, 13).toUpperCase()}`;
}

/** The valid steps by index (undefined where a step has problems, which go to `issues`). */
function validateSteps(parsed: ParsedFile, steps: readonly unknown[], issues: ScenarioIssue[]): (Step | undefined)[] {
  const valid: (Step | undefined)[] = new Array<Step | undefined>(steps.length).fill(undefined);
  steps.forEach((input, index) => {
    const path = ["steps", index];
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      issues.push(issueAt(parsed, path, `expected a step object with one of the keys ${STEP_KINDS.join(", ")}`));
      return;
    }
    const kinds = STEP_KINDS.filter((kind) => Object.hasOwn(input, kind));
    if (kinds.length !== 1) {
      const keys = Object.keys(input);
      issues.push(
        issueAt(
          parsed,
          path,
          kinds.length === 0
            ? `a step needs one of the keys ${STEP_KINDS.join(", ")}; this one has ${keys.length === 0 ? "no keys" : keys.map((key) => JSON.stringify(key)).join(", ")}`
            : `a step is one of ${STEP_KINDS.join(", ")}; this one has ${kinds.join(" and ")}: split it into ${kinds.length} steps`,
        ),
      );
      return;
    }
    const kind = kinds[0] as StepKind;
    const result = STEP_SCHEMAS[kind].safeParse(input);
    if (!result.success) {
      for (const issue of issuesFromZod(result.error)) issues.push(issueAt(parsed, [...path, ...parsePath(issue.path)], issue.message));
      return;
    }
    // The line of the step's kind key (`"advance": ...`), which is what a reader looks for.
    const line = positionOf(parsed.positions, [...path, kind])?.line;
    valid[index] = { kind, ...result.data, ...(line !== undefined && { line }) } as Step;
  });
  return valid;
}

/** Reads, parses and validates a scenario file. Throws ScenarioError naming every problem's file, line and field. */
export async function loadScenario(path: string): Promise<Scenario> {
  const absolute = resolve(path);
  const parsed = await readJsonFile(absolute);
  const top = scenarioSchema.safeParse(parsed.value);
  if (!top.success) {
    const issues = issuesFromZod(top.error).map((issue) => issueAt(parsed, parsePath(issue.path), issue.message));
    // Steps are checked even when the top level has other problems, so one run reports everything it can.
    const steps = (parsed.value as { steps?: unknown } | null)?.steps;
    if (Array.isArray(steps)) validateSteps(parsed, steps, issues);
    throw new ScenarioError(issues);
  }
  const scenario = top.data;
  const issues: ScenarioIssue[] = [];
  const stepsByIndex = validateSteps(parsed, scenario.steps, issues);
  const steps = stepsByIndex.filter((step): step is Step => step !== undefined);
  const base = dirname(absolute);

  // The fleet: inline, or a file relative to the scenario (problems then name that file).
  let fleet: ValidFleet | undefined;
  const fleetFile = typeof scenario.fleet === "string" ? await readJsonFile(resolve(base, scenario.fleet), issueAt(parsed, ["fleet"], "")) : undefined;
  const fleetSource = fleetFile ?? parsed;
  const fleetPrefix = fleetFile ? [] : ["fleet"];
  const fleetInput = (fleetFile ? fleetFile.value : scenario.fleet) as Fleet;
  try {
    fleet = validateFleet(fleetInput, `fleet of ${parsed.file}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...issuesFromValidation(error, fleetSource, fleetPrefix));
  }

  let policy: Policy | undefined;
  const policyFile = typeof scenario.policy === "string" ? await readJsonFile(resolve(base, scenario.policy), issueAt(parsed, ["policy"], "")) : undefined;
  const policyInput = (policyFile ? policyFile.value : (scenario.policy ?? {})) as Record<string, unknown>;
  try {
    policy = parsePolicy(policyInput);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...issuesFromValidation(error, policyFile ?? parsed, policyFile ? [] : ["policy"]));
  }

  const identities = new Map<string, ScenarioIdentity>();
  for (const [name, identity] of Object.entries(scenario.identities)) {
    identities.set(name, {
      name,
      accessKeyId: accessKeyFor(name),
      secretAccessKey: `scenario-secret-${name}`,
      arn: identity.arn,
      ...(identity.sourceIp !== undefined && { sourceIp: identity.sourceIp }),
      ...(identity.userAgent !== undefined && { userAgent: identity.userAgent }),
    });
  }

  // Names that must refer to something declared elsewhere in the file.
  const created = new Set(steps.flatMap((step) => (step.kind === "call" && step.call === "CreateCluster" && typeof step.input["name"] === "string" ? [step.input["name"]] : [])));
  const known = new Set([...(fleet?.clusters.map((entry) => String(entry.cluster["name"])) ?? []), ...created]);
  stepsByIndex.forEach((step, index) => {
    if (!step) return;
    if (step.kind === "call" && step.as !== undefined && !identities.has(step.as)) {
      const declared = [...identities.keys()];
      issues.push(issueAt(parsed, ["steps", index, "as"], `${JSON.stringify(step.as)} is not declared under identities${declared.length > 0 ? `; expected one of ${declared.join(", ")}` : " (declare it there with its arn)"}`));
    }
    if (step.kind === "expect" && fleet && !known.has(step.expect.cluster)) {
      issues.push(issueAt(parsed, ["steps", index, "expect", "cluster"], `${JSON.stringify(step.expect.cluster)} is not a cluster of the fleet; expected one of ${[...known].join(", ")}`));
    }
  });

  if (issues.length > 0 || !fleet || !policy) throw new ScenarioError(issues);
  return {
    file: parsed.file,
    ...(scenario.description !== undefined && { description: scenario.description }),
    fleetInput,
    fleet,
    policy,
    policyInput,
    identities,
    steps,
  };
}

/**
 * loadScenario for a command: every problem goes to stderr with its line and field, and the result is undefined
 * (the command exits 2 without starting anything).
 */
export async function loadScenarioOrReport(path: string, commandName: string, write: (text: string) => void = (text) => process.stderr.write(text)): Promise<Scenario | undefined> {
  try {
    return await loadScenario(path);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    for (const issue of error.issues) write(`${formatIssue(issue)}\n`);
    write(`eks-warden ${commandName}: ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"} in the scenario; nothing was started\n`);
    return undefined;
  }
}
