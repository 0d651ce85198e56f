// The AWS profiles a user may name (`--profile`), read from the SDK's shared config and credentials files with the
// SDK's own loader. A profile that is in neither is a usage mistake to say at once, not a credentials failure to
// report region by region once the scan has started.
import { homedir } from "node:os";
import { join } from "node:path";
import { getHomeDir, loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";

/** Where the SDK looks for the two files, as it resolves them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE). */
function sharedFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = getHomeDir() || homedir();
  return {
    config: env["AWS_CONFIG_FILE"] ?? join(home, ".aws", "config"),
    credentials: env["AWS_SHARED_CREDENTIALS_FILE"] ?? join(home, ".aws", "credentials"),
  };
}

/** Why the profile `name` cannot be used, or undefined when the config or credentials file defines it. */
export async function missingProfile(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  if (Object.hasOwn(configFile, name) || Object.hasOwn(credentialsFile, name)) return undefined;
  const files = sharedFiles(env);
  return `profile ${JSON.stringify(name)} not found in ${files.config} or ${files.credentials}`;
}
