import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { JavaNotFoundError } from "./errors.ts";

const INSTALL_HINT =
  "DynamoDB Local needs a Java 17+ runtime: install one (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`), " +
  "put `java` on PATH or set JAVA_HOME";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The java executable to run DynamoDB Local with: an explicit path, else JAVA_HOME/bin/java, else the first `java`
 * on PATH. Resolved up front because the process is started through a shell wrapper, where a missing command would
 * only show up as a readiness timeout.
 */
export function resolveJava(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    if (isExecutable(explicit)) return explicit;
    throw new JavaNotFoundError(`java: ${explicit} is not an executable file. ${INSTALL_HINT}.`);
  }
  const javaHome = env["JAVA_HOME"];
  if (javaHome) {
    const candidate = join(javaHome, "bin", "java");
    if (isExecutable(candidate)) return candidate;
  }
  for (const directory of (env["PATH"] ?? "").split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, "java");
    if (isExecutable(candidate)) return candidate;
  }
  const searched = [javaHome ? `JAVA_HOME=${javaHome}` : "JAVA_HOME unset", `PATH=${env["PATH"] ?? ""}`].join(", ");
  throw new JavaNotFoundError(`java: no Java runtime found (${searched}). ${INSTALL_HINT}.`);
}
