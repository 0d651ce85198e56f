#!/usr/bin/env node
// The installed `eks-warden` command: the CLI as JavaScript, built from packages/cli/src by scripts/build-cli.mjs
// (npm runs it at install; `npm run build` after editing the sources). Source maps on, so that a stack trace
// (EKS_WARDEN_DEBUG=1) names the TypeScript file and line, not the bundle's.
process.setSourceMapsEnabled(true);
try {
  await import("../dist/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/main.js")) throw error;
  process.stderr.write("eks-warden: the CLI is not built (packages/cli/dist/main.js is missing): run `npm run build` (npm ci and npm install build it)\n");
  process.exitCode = 3;
}
