// How SST's own commands meet the configuration (sst.config.ts): which file and region, or every problem and exit 2.
import { ValidationError } from "@eks-warden/core";
import { loadDeploymentConfig, type DeploymentConfig } from "./config.ts";

/** Where a command prints and how it ends, for deploymentConfigOrExit. */
export interface ConfigReporter {
  write(text: string): void;
  exit(code: number): never;
}

const processReporter: ConfigReporter = { write: (text) => void process.stderr.write(text), exit: (code) => process.exit(code) };

/**
 * The configuration for SST's own commands (`npx sst deploy`): the file and region it uses on one line, or every
 * problem of the file on a line of its own and exit 2, before SST builds anything (from the bundled config, a thrown
 * error is a stack trace that names one problem and exits 1).
 */
export function deploymentConfigOrExit(root: string, reporter: ConfigReporter = processReporter, env: NodeJS.ProcessEnv = process.env): DeploymentConfig {
  let config: DeploymentConfig;
  try {
    config = loadDeploymentConfig(root, env);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    reporter.write(`eks-warden: ${error.what}:\n`);
    for (const issue of error.issues) reporter.write(`  ${issue.path ? `${issue.path}: ` : ""}${issue.message}\n`);
    return reporter.exit(2);
  }
  reporter.write(`eks-warden: configuration ${config.source}, region ${config.region}\n`);
  return config;
}
