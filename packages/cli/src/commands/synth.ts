// `eks-warden synth --out DIR`: the CloudFormation templates of the SST app, offline and without AWS credentials.
// `sst build` cannot do that (it always asks STS who the caller is), so this drives SST's App programmatically the
// way its own tests do: initProject, App in deploy mode, the stacks from sst.config.ts, finish, synth.
import { printHelp } from "../output/wrap.ts";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Aspects, Aws } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import { CliInputError, parseCommandLine, type Command } from "./command.ts";
import { loadDeploymentConfig, STAGE_NAME } from "../../../../stacks/config.ts";
import { memberApp } from "../../../../stacks/Organization.ts";
import { memberAccountsOf } from "@eks-warden/core/aws";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface SynthesizeOptions {
  /** SST stage; all but the config's ephemeralStages get retained, deletion-protected state. Default "synth". */
  readonly stage?: string;
  /** Cloud assembly folder; default a fresh temporary folder chosen by the CDK. */
  readonly outDir?: string;
  /** Region override; default the one in warden.config.json (or us-east-1). */
  readonly region?: string;
  /** Run the cdk-nag AwsSolutions checks; their findings land in the stack artifacts' messages. */
  readonly nagChecks?: boolean;
}

export interface NagFinding {
  readonly level: "error" | "warning";
  /** The construct path, e.g. /test-eks-warden-Warden/SettleRole/DefaultPolicy/Resource. */
  readonly path: string;
  readonly message: string;
}

export interface Synthesized {
  readonly assembly: CloudAssembly;
  readonly stackNames: readonly string[];
  /**
   * The member accounts' templates (forwarder, read-only role, remediation role), when the configuration names an
   * organization or member accounts: an app of their own, synthesised beside the central one.
   */
  readonly memberAssembly?: CloudAssembly;
  /** Unsuppressed cdk-nag errors and warnings (empty without nagChecks). */
  readonly nagFindings: readonly NagFinding[];
}

let synthesizedOnce = false;

/**
 * Synthesises the app once per process (SST keeps global state, and a second synth fails with "... already exists").
 * Works with no credentials and no network.
 */
export async function synthesizeApp(options: SynthesizeOptions = {}): Promise<Synthesized> {
  if (synthesizedOnce) throw new Error("synthesizeApp: the SST app can be synthesised only once per process; reuse the first result");
  synthesizedOnce = true;
  const stage = options.stage ?? "synth";
  // SST resolves handler paths and writes its .sst folder relative to the working directory, as `sst` does at the root.
  if (resolve(process.cwd()) !== resolve(REPO_ROOT)) process.chdir(REPO_ROOT);
  // In "test" mode App.finish() skips looking up the CDK bootstrap stack in the account (an AWS call).
  process.env.NODE_ENV = "test";
  const { initProject, useProject } = await import("sst/project.js");
  await initProject({ stage, root: REPO_ROOT });
  const { App } = await import("sst/constructs");
  const { default: sstConfig } = await import("../../../../sst.config.ts");
  const project = useProject();
  const app = new App(
    // No account: the templates refer to AWS::AccountId, so they deploy to whichever account runs them.
    { mode: "deploy", stage, name: project.config.name, region: options.region ?? project.config.region, account: Aws.ACCOUNT_ID },
    options.outDir ? { outdir: options.outDir } : {},
  );
  sstConfig.stacks(app);
  await app.finish();
  if (options.nagChecks) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  const assembly = app.synth();
  const stackNames = assembly.stacks.map((stack) => stack.stackName);
  const config = loadDeploymentConfig(REPO_ROOT);
  let memberAssembly: CloudAssembly | undefined;
  if (config.organization || memberAccountsOf(config.policy.accounts).length > 0) {
    const centralStack = assembly.stacks[0]!;
    const regions = config.policy.regions.length > 0 ? config.policy.regions : [centralStack.environment.region];
    const members = memberApp(mkdtempSync(join(tmpdir(), "warden-member-")), centralStack.stackName, regions);
    if (options.nagChecks) Aspects.of(members).add(new AwsSolutionsChecks({ verbose: true }));
    memberAssembly = members.synth();
  }
  const nagFindings: NagFinding[] = [];
  if (options.nagChecks) {
    for (const artifact of [...assembly.stacks, ...(memberAssembly?.stacks ?? [])]) {
      for (const message of artifact.messages) {
        if (message.level !== "error" && message.level !== "warning") continue;
        const text = typeof message.entry.data === "string" ? message.entry.data : JSON.stringify(message.entry.data);
        if (!text.includes("AwsSolutions-")) continue;
        nagFindings.push({ level: message.level, path: message.id, message: text });
      }
    }
  }
  return { assembly, stackNames, nagFindings, ...(memberAssembly && { memberAssembly }) };
}

export interface SynthOptions {
  readonly outDir: string;
  readonly stage?: string;
}

export interface SynthOutcome {
  readonly outDir: string;
  /** Paths of the written CloudFormation templates, one per stack. */
  readonly templates: readonly string[];
  readonly nagFindings: readonly NagFinding[];
  readonly elapsedMs: number;
}

/** Writes the CloudFormation templates (and the function bundles they reference) to `outDir`, replacing what was there. */
export async function synth(options: SynthOptions): Promise<SynthOutcome> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const synthesized = await synthesizeApp({ outDir, nagChecks: true, ...(options.stage !== undefined && { stage: options.stage }) });
  // The member templates go beside the central one: the StackSet and the role stacks are created from these files.
  for (const artifact of synthesized.memberAssembly?.stacks ?? []) copyFileSync(artifact.templateFullPath, join(outDir, `${artifact.stackName}.template.json`));
  const templates = readdirSync(outDir)
    .filter((name) => name.endsWith(".template.json"))
    .map((name) => join(outDir, name));
  return { outDir, templates, nagFindings: synthesized.nagFindings, elapsedMs: performance.now() - started };
}

const usage = `Usage: eks-warden synth [--out DIR] [--stage NAME]

Writes the CloudFormation templates of the SST app (and the function bundles they reference) to DIR, offline and
without AWS credentials, and runs the cdk-nag AwsSolutions checks over them. The deployment configuration is
warden.config.json at the repository root (see warden.config.example.json), or the defaults.

Options:
  --out DIR      output folder, replaced if it exists (default: cdk.out)
  --stage NAME   SST stage (default: synth); stages not listed in ephemeralStages get retained, deletion-protected state
  -h, --help     show this help

Exit 0 when cdk-nag reports nothing unsuppressed, 1 when it does (each finding on stderr), 2 on bad usage.`;

export const command: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandLine(argv, { out: { type: "string", default: "cdk.out" }, stage: { type: "string" } });
    if (parsed === "help") {
      printHelp(usage);
      return 0;
    }
    const { values } = parsed;
    if (values.stage !== undefined && !STAGE_NAME.test(values.stage)) {
      throw new CliInputError(`--stage ${JSON.stringify(values.stage)}: expected a letter, then letters, digits or -`);
    }
    const outcome = await synth({ outDir: values.out!, ...(values.stage !== undefined && { stage: values.stage }) });
    for (const template of outcome.templates) console.log(`wrote ${template}`);
    for (const finding of outcome.nagFindings) console.error(`cdk-nag ${finding.level}: ${finding.path}: ${finding.message}`);
    console.log(`synthesised in ${(outcome.elapsedMs / 1000).toFixed(1)} s; cdk-nag AwsSolutions: ${outcome.nagFindings.length} unsuppressed finding(s)`);
    return outcome.nagFindings.length > 0 ? 1 : 0;
  },
};
