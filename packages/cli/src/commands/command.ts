// What every `eks-warden` subcommand provides to main.ts, and the error that means "bad usage or input" (exit 2).

export interface Command {
  /** The usage text printed for `--help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. Throws CliInputError for bad usage or input. */
  run(argv: readonly string[]): Promise<number>;
}

/** The user's arguments or files are wrong: main prints the one-line message and exits 2. */
export class CliInputError extends Error {
  override readonly name = "CliInputError";
}

/** An error (or anything thrown) as one line for stderr. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
