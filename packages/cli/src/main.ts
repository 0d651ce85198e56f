// The `eks-warden` command: a small table of subcommands, each loaded only when it runs (so `evaluate` does not
// pay for the simulator or the CDK). Exit codes: 0 fine, 1 findings at or above the threshold, 2 bad usage or input,
// 3 an unexpected internal error.
import { printHelp } from "./output/wrap.ts";
import { readFileSync } from "node:fs";
import { CliInputError, oneLine } from "./commands/errors.ts";
import type { Command } from "./commands/command.ts";

// The AWS SDK warns on every client that Node < 22 will lose updates in 2027: true, but about the user's machine, not
// their clusters, and it buries the report. Set before any command (and so the SDK) is loaded; the caller may override.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Subcommands: name -> one-line summary and loader. Add a line here to add a command. */
const commands: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<Command> }>> = {
  evaluate: {
    summary: "evaluate one cluster's DescribeCluster output against the rules",
    load: async () => (await import("./commands/evaluate.ts")).command,
  },
  check: {
    summary: "judge the clusters a Terraform plan, CloudFormation template or eksctl config declares, before they deploy",
    load: async () => (await import("./commands/check.ts")).command,
  },
  run: {
    summary: "play a scenario on the local system (simulator, DynamoDB Local, SNS/SQS, the real handlers)",
    load: async () => (await import("./commands/run.ts")).command,
  },
  serve: {
    summary: "keep the local system up for the AWS CLI, streaming alerts, until Ctrl-C",
    load: async () => (await import("./commands/serve.ts")).command,
  },
  scan: {
    summary: "audit the EKS clusters your AWS credentials can see (read-only; table, json or SARIF)",
    load: async () => (await import("./commands/scan.ts")).command,
  },
  digest: {
    summary: "the weekly digest's report for your real clusters (read-only, like scan; text, json or html)",
    load: async () => (await import("./commands/digest.ts")).command,
  },
  state: {
    summary: "list the findings the running local system (serve, npm start) has stored",
    load: async () => (await import("./commands/state.ts")).command,
  },
  synth: {
    summary: "write the CloudFormation templates offline (no AWS credentials) and run cdk-nag over them",
    load: async () => (await import("./commands/synth.ts")).command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    "Usage: eks-warden <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `eks-warden help <command>` (or `eks-warden <command> --help`) for a command's options; `eks-warden --version` for the version.",
    "Tables are coloured on a terminal; --no-color (or NO_COLOR) turns that off, FORCE_COLOR turns it on elsewhere.",
  ].join("\n");
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return `eks-warden ${manifest.version}`;
}

async function unknownCommand(name: string): Promise<string> {
  // Loaded here, not at start: core's index is most of what --help would otherwise load.
  const { closestName } = await import("@eks-warden/core");
  const suggestion = closestName(name, Object.keys(commands));
  const hint = suggestion ? `did you mean ${suggestion}?` : `expected one of ${Object.keys(commands).join(", ")}`;
  return `eks-warden: unknown command ${JSON.stringify(name)}; ${hint}\n`;
}

export async function main(args: readonly string[]): Promise<number> {
  // --no-color, anywhere on the line, is NO_COLOR for every command (output/colour.ts).
  const argv = args.filter((arg) => arg !== "--no-color");
  if (argv.length !== args.length) process.env["NO_COLOR"] = "1";
  const [first, ...others] = argv;
  if (first === "--version" || first === "-V" || first === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // `help <command>` is `<command> --help`.
  const [name, ...rest] = first === "help" && others[0] !== undefined ? [others[0], "--help"] : argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    printHelp(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(await unknownCommand(name));
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliInputError) {
      process.stderr.write(`eks-warden ${name}: ${oneLine(error)}\n`);
      return 2;
    }
    process.stderr.write(`eks-warden ${name}: unexpected error: ${oneLine(error)}\n`);
    if (process.env.EKS_WARDEN_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 3;
  }
}

process.exitCode = await main(process.argv.slice(2));
