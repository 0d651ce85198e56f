// `npx sst deploy` / `npx sst remove` check the credentials and the target account before SST does anything: without
// credentials SST printed a telemetry notice and exited 0 with nothing deployed, and with the wrong profile it would
// deploy the monitor into the wrong account. One STS GetCallerIdentity (through core's STS adapter, which needs no
// permission); `npm run synth` and the tests never come here (they are not `sst deploy` or `sst remove`).
import { AccessDenied, CredentialsMissing } from "@eks-warden/core";
import { StsIdentity } from "@eks-warden/core/aws";
import type { ConfigReporter } from "./config-report.ts";
import type { DeploymentConfig } from "./config.ts";

export type DeployCommand = "deploy" | "remove";

/** The SST command that changes an account, when the process is `sst deploy` or `sst remove`. */
export function deployCommandOf(argv: readonly string[]): DeployCommand | undefined {
  if (!/(^|[/\\])sst(\.js|\.mjs)?$|[/\\]sst[/\\]/.test(argv[1] ?? "")) return undefined;
  const args = argv.slice(2);
  return args.includes("deploy") ? "deploy" : args.includes("remove") ? "remove" : undefined;
}

/** What only the account's owner can fix: how to point the credentials elsewhere. */
const CREDENTIALS_HINT = "set AWS_PROFILE (or pass --profile) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run it again";

/**
 * Whose credentials these are, against warden.config.json's `account` when it names one: one line and exit 4 when AWS
 * cannot say (no credentials, refused ones), exit 2 when they are another account's; else the account on one line.
 */
export async function deployTargetOrExit(
  config: Pick<DeploymentConfig, "source" | "account">,
  target: { readonly command: DeployCommand; readonly region: string },
  reporter: ConfigReporter,
  identity: Pick<StsIdentity, "account"> = new StsIdentity(),
): Promise<string> {
  let account: string;
  try {
    account = await identity.account(target.region);
  } catch (error) {
    const why = error instanceof CredentialsMissing ? "no AWS credentials found" : error instanceof AccessDenied ? "the AWS credentials were refused by STS" : `STS could not say whose credentials these are (${error instanceof Error ? error.message.replace(/\s+/g, " ") : String(error)})`;
    reporter.write(`eks-warden: sst ${target.command} stopped before it started: ${why}; ${CREDENTIALS_HINT}\n`);
    return reporter.exit(4);
  }
  if (config.account !== undefined && account !== config.account) {
    reporter.write(`eks-warden: sst ${target.command} stopped before it started: these credentials are account ${account}, but ${config.source} says "account": "${config.account}"; use that account's credentials (AWS_PROFILE or --profile) or change "account"\n`);
    return reporter.exit(2);
  }
  reporter.write(`eks-warden: sst ${target.command} to account ${account}, region ${target.region}${config.account === undefined ? ` (${config.source} names no "account" to check it against)` : ""}\n`);
  return account;
}
