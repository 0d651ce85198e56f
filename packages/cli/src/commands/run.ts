// `eks-warden run SCENARIO [--format text|jsonl]`: plays a scenario file on the whole system running locally
// (DynamoDB Local, the SNS/SQS emulator, the EKS simulator and the real handlers), prints what a subscriber of the
// alerts topic receives, stops everything. Exit 0 when every expectation of the scenario held, 1 when one did not,
// 2 for a bad scenario (each problem on its own line: file:line: field: what is wrong), 3 for an internal error.
import { printHelp } from "../output/wrap.ts";
import { LocalStartError, startLocalSystem, type LocalSystem } from "@eks-warden/local";
import { loadScenarioOrReport } from "../scenario/loader.ts";
import { playScenario } from "../scenario/player.ts";
import { jsonlSink, textSink } from "../output/run-output.ts";
import { choiceOption, CliInputError, oneLine, parseCommandLine, type Command } from "./command.ts";

const usage = `Usage: eks-warden run SCENARIO [options]

Plays a scenario (see docs/local.md) on the local system: DynamoDB Local, the SNS/SQS emulator, the EKS
simulator seeded with the scenario's fleet, and the real handlers, wired as the stack wires them. Every cluster is
evaluated at start (as the daily sweep does), then the steps run; alerts print as a subscriber receives them.

Options:
  --format text|jsonl  text for people (default); jsonl: one JSON line per notification, per mutating call the
                       simulator served, and at the end per stored state record (cluster x rule)
  --handler-logs       show the handlers' own (Powertools) JSON logs
  -h, --help           show this help

Exit codes: 0 the scenario ran and every expectation held; 1 an expectation failed, or a settle check ended in the
dead-letter queue; 2 the scenario file is wrong (each problem is printed as file:line: field: problem); 3 internal
error; 130 / 143 interrupted by Ctrl-C / SIGTERM (everything started is stopped first).`;

const FORMATS = ["text", "jsonl"] as const;
type Format = (typeof FORMATS)[number];

function parseOptions(argv: readonly string[]): { scenario: string; format: Format; handlerLogs: boolean } | "help" {
  const parsed = parseCommandLine(argv, { format: { type: "string" }, "handler-logs": { type: "boolean" } }, true);
  if (parsed === "help") return "help";
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CliInputError(positionals.length === 0 ? "SCENARIO is required: the path of a scenario file, e.g. scenarios/demo.json" : `one SCENARIO at a time; got ${positionals.length}: ${positionals.join(" ")}`);
  const format = choiceOption("--format", values.format, FORMATS, "text");
  return { scenario: positionals[0]!, format, handlerLogs: values["handler-logs"] === true };
}

/** Stops the system once, whether the run ends, fails, or is interrupted. */
function stopOnSignals(stop: () => Promise<void>): () => void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\neks-warden run: ${signal}: stopping the local system\n`);
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  // `on`, not `once`: the embedded harness's own signal handler re-raises the signal (killing this process before it
  // has stopped the rest) when it finds no other listener.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseOptions(argv);
    if (options === "help") {
      printHelp(usage);
      return 0;
    }
    const scenario = await loadScenarioOrReport(options.scenario, "run");
    if (scenario === undefined) return 2;
    const started = performance.now();
    const write = (text: string) => process.stdout.write(text);
    const text = options.format === "text";
    const sink = text ? textSink(write) : jsonlSink(write);
    if (text) write(`EKS Warden: playing ${scenario.file}${scenario.description ? `\n${scenario.description}` : ""}\n`);

    let system: LocalSystem | undefined;
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= system?.stop() ?? Promise.resolve());
    const release = stopOnSignals(stop);
    try {
      try {
        system = await startLocalSystem({
          fleet: scenario.fleetInput,
          policy: scenario.policyInput,
          identities: [...scenario.identities.values()],
          ...(scenario.policy.regions.length > 0 && { regions: scenario.policy.regions }),
          handlerLogs: options.handlerLogs,
        });
      } catch (error) {
        if (!(error instanceof LocalStartError)) throw error;
        // Everything started so far is stopped by now: one line, what failed and what to do.
        process.stderr.write(`eks-warden run: ${oneLine(error)}\n`);
        return 3;
      }
      if (text) {
        write(
          `\nLocal system up in ${(system.startMs / 1000).toFixed(1)} s: EKS simulator ${system.simulator.url} (${system.simulator.store.all().length} clusters, ` +
            `clock at ${system.simulator.clock.now().toISOString()}), DynamoDB Local ${system.endpoints.dynamodb}, SNS/SQS ${system.endpoints.sns}\n`,
        );
      }
      const result = await playScenario(scenario, system, sink);
      await stop();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (text) {
        write(`\n${result.notifications} alert${result.notifications === 1 ? "" : "s"}, ${result.calls} mutating call${result.calls === 1 ? "" : "s"}; everything stopped; ${seconds} s in all\n`);
      }
      for (const failure of result.failures) process.stderr.write(`eks-warden run: ${scenario.file}: ${failure}\n`);
      return result.failures.length > 0 ? 1 : 0;
    } finally {
      await stop();
      release();
    }
  },
};
