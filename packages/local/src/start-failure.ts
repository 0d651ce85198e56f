// A local system that could not start says, in one line, which part failed and what to do about it: the user meets
// this before anything else of the project, and a stack of causes tells them neither.
import { WardenError } from "@eks-warden/core";
import { DynamoDbLocalExitedError, JavaNotFoundError } from "@eks-warden/simulator/embedded/index";

/** The local system could not start; everything started so far has been stopped. The message is one line. */
export class LocalStartError extends WardenError {
  constructor(
    message: string,
    /** What failed: "java", "port" (the simulator's port is taken) or "other". */
    readonly reason: "java" | "port" | "other",
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

const OUTPUT_LINE_CHARS = 160;

/** The last non-empty line of a process's output, shortened: what a failing `java` said last is what explains it. */
function lastLine(output: string): string {
  const line = output.split("\n").map((text) => text.trim()).filter((text) => text.length > 0).at(-1) ?? "no output";
  return line.length > OUTPUT_LINE_CHARS ? `${line.slice(0, OUTPUT_LINE_CHARS - 1)}…` : line;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** `error`, thrown while starting the part `part`, as the one line a user reads. */
export function startFailure(error: unknown, part: "simulator" | "aws", port?: number): LocalStartError {
  if (error instanceof LocalStartError) return error;
  if (error instanceof JavaNotFoundError) return new LocalStartError(`DynamoDB Local could not start: ${oneLine(error.message)}`, "java", { cause: error });
  if (error instanceof DynamoDbLocalExitedError) {
    return new LocalStartError(
      `DynamoDB Local could not start: ${error.java} exited before it was ready (${lastLine(error.output)}); check that \`${error.java} -version\` shows a Java 17+ runtime, or set JAVA_HOME to one`,
      "java",
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (part === "simulator" && code === "EADDRINUSE") {
    return new LocalStartError(`the EKS simulator could not listen on 127.0.0.1:${port ?? "?"}: the port is in use`, "port", { cause: error });
  }
  const what = part === "simulator" ? "the EKS simulator" : "DynamoDB Local and the SNS/SQS and S3 emulators";
  return new LocalStartError(`${what} could not start: ${oneLine(error instanceof Error ? error.message : String(error))}`, "other", { cause: error });
}
