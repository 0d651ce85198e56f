// What every `eks-warden` subcommand provides to main.ts, the error that means "bad usage or input" (exit 2), and
// the option parsing the subcommands share.
import { readFile } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ValidationError, gateFailures, type Gate, SEVERITIES, type Finding, type Policy, type Severity, parsePolicy } from "@eks-warden/core";
import { CliInputError, oneLine } from "./errors.ts";

export { CliInputError, oneLine };

export interface Command {
  /** The usage text printed for `--help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. Throws CliInputError for bad usage or input. */
  run(argv: readonly string[]): Promise<number>;
}


type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs with the conventions every subcommand shares: strict, -h/--help, and a usage mistake as a
 * CliInputError pointing at --help. "help" when help was asked for (the command prints its usage).
 */
export function parseCommandLine<const O extends OptionsConfig>(argv: readonly string[], options: O, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    throw new CliInputError(`${oneLine(error)} (see --help)`, { cause: error });
  }
  // The values type depends on O, so TypeScript cannot see the help flag it adds until a call site fixes O.
  return (parsed.values as { help?: boolean }).help ? ("help" as const) : parsed;
}

/** One of a fixed set of values for `flag`, or `fallback` when the option was not given. */
export function choiceOption<const T extends string>(flag: string, given: string | undefined, choices: readonly T[], fallback: T): T {
  const value = (given ?? fallback) as T;
  if (!choices.includes(value)) throw new CliInputError(`${flag} ${JSON.stringify(given)}: expected one of ${choices.join(", ")}`);
  return value;
}

/** The options that set the gate, as every judging command declares them to parseCommandLine. */
export const GATE_OPTIONS = {
  "fail-on": { type: "string" },
  "allow-errors": { type: "boolean" },
} as const;

/** The usage lines of GATE_OPTIONS, their descriptions starting at `column` as the command's other options do. */
export function gateUsage(column: number): string {
  const line = (flag: string, text: string) => `  ${flag}`.padEnd(column) + text;
  return [
    line("--fail-on SEVERITY", "exit 1 when a FAIL, or a rule that could not decide (ERROR), is at or above SEVERITY:"),
    line("", `${SEVERITIES.join(", ")} (default: INFO, any)`),
    line("--allow-errors", "a rule that could not decide (ERROR) does not fail the gate"),
  ].join("\n");
}

/** --fail-on (a severity, case-insensitive; INFO when not given) and --allow-errors. */
export function gateOption(values: { readonly "fail-on"?: string | undefined; readonly "allow-errors"?: boolean | undefined }): Gate {
  const given = values["fail-on"];
  const failOn = (given ?? "INFO").toUpperCase() as Severity;
  if (!SEVERITIES.includes(failOn)) throw new CliInputError(`--fail-on ${JSON.stringify(given)}: expected one of ${SEVERITIES.join(", ")}`);
  return { failOn, allowErrors: values["allow-errors"] === true };
}

/**
 * 1 when `findings` fail the gate, else 0. When rules that could not decide fail it, stderr says which and how to let
 * them pass: a red gate must say why, and an ERROR is easy to mistake for a tool fault.
 */
export function gateExitCode(command: string, findings: readonly Finding[], gate: Gate): 0 | 1 {
  const { failing, undecided } = gateFailures(findings, gate);
  if (undecided.length > 0) {
    const ruleIds = [...new Set(undecided.map((finding) => finding.ruleId))];
    const count = ruleIds.length === 1 ? "1 rule" : `${ruleIds.length} rules`;
    process.stderr.write(`eks-warden ${command}: ${count} could not decide at or above ${gate.failOn} (${ruleIds.join(", ")}): the gate fails; --allow-errors lets it pass\n`);
  }
  return failing.length > 0 || undecided.length > 0 ? 1 : 0;
}

/** Why a file could not be read, in a few words ("no such file", "is a directory", ...). */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : oneLine(error);
}

/** The parsed JSON of a file named by `option`; any failure is a one-line CliInputError naming both. */
export async function readJsonOption(option: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliInputError(`${option} ${path}: cannot read the file (${unreadableReason(error)})`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliInputError(`${option} ${path}: not JSON (${oneLine(error)})`, { cause: error });
  }
}

/** Runs a parser over a file's content; a validation error becomes a one-line CliInputError naming the file. */
export function interpretOption<T>(option: string, path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new CliInputError(`${option} ${path}: ${oneLine(error)}`, { cause: error });
    throw error;
  }
}

/**
 * --policy FILE: a bare policy, or the deployment file (warden.config.json) whose `policy` member is the policy, its
 * other settings checked as at synth. The default policy without the option. Bad content is a CliInputError.
 */
export async function readPolicyOption(path: string | undefined): Promise<Policy> {
  if (path === undefined) return parsePolicy(undefined);
  const input = await readJsonOption("--policy", path);
  // Loaded only for --policy: the deployment file's schema is written with zod's full API, which a start without
  // --policy need not load.
  const { isDeploymentConfigDocument, parseDeploymentConfig } = await import("../../../../stacks/config.ts");
  if (!isDeploymentConfigDocument(input)) return interpretOption("--policy", path, () => parsePolicy(input));
  try {
    return parseDeploymentConfig(input, path).policy;
  } catch (error) {
    // The message already starts with the path: "<path>: invalid deployment configuration: region: ...".
    if (error instanceof ValidationError) throw new CliInputError(`--policy ${oneLine(error)}`, { cause: error });
    throw error;
  }
}
