// vitest global setup: one DynamoDB Local, one SNS/SQS emulator and one S3 emulator for the whole run. Their endpoints reach the
// tests two ways: as AWS_ENDPOINT_URL_* in process.env, set here before vitest forks its workers (the workers
// inherit it, so SDK clients built with no endpoint option talk to the emulators), and through inject("embedded").
// Before anything, the CLI the tests spawn (CLI_ENTRY) is rebuilt when a source file is newer than its build, so that
// no test runs stale JavaScript.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startEmbedded, type EmbeddedEndpoints } from "@eks-warden/simulator/embedded/index";

declare module "vitest" {
  export interface ProvidedContext {
    embedded: { readonly endpoints: EmbeddedEndpoints; readonly env: Readonly<Record<string, string>> };
  }
}

const BUILD_CLI = fileURLToPath(new URL("../../scripts/build-cli.mjs", import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, [BUILD_CLI, "--if-stale"], { stdio: "inherit" });
  if (build.status !== 0) throw new Error(`the CLI's build (scripts/build-cli.mjs) failed with exit ${build.status ?? build.signal}`);
  const embedded = await startEmbedded({ dynamodb: true, sns: true, s3: true });
  const previous = new Map(Object.keys(embedded.env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, embedded.env);
  project.provide("embedded", { endpoints: embedded.endpoints, env: embedded.env });
  return async () => {
    await embedded.stop();
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
