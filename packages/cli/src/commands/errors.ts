// The error that means "bad usage or input" (exit 2) and the one-line form of any error: all main.ts needs of the
// commands before one is loaded, kept apart from command.ts (which loads core and the deployment configuration) so
// that `--help` and `--version` start without them.

/** The user's arguments or files are wrong: main prints the one-line message and exits 2. */
export class CliInputError extends Error {
  override readonly name = "CliInputError";
}

/** An error (or anything thrown) as one line for stderr. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
