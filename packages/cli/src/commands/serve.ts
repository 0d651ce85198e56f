// `eks-warden serve`: the local system stays up for the AWS CLI (or any SDK) to drive the simulator, while the alerts
// the real handlers publish stream to the terminal. Ctrl-C (SIGINT) or SIGTERM stops all of it: the simulator, the
// SNS/SQS emulator and DynamoDB Local's JVM (the embedded harness also kills the JVM's process group if this process
// dies without a chance to clean up).
import { printHelp } from "../output/wrap.ts";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { SETTLE_QUEUE } from "@eks-warden/core/deployment";
import { LocalStartError, startLocalSystem, type LocalSystem } from "@eks-warden/local";
import { loadScenarioOrReport } from "../scenario/loader.ts";
import { formatDuration } from "../scenario/schema.ts";
import { textSink, clusterOfEvent } from "../output/run-output.ts";
import { CliInputError, oneLine, parseCommandLine, type Command } from "./command.ts";

const DEFAULT_SCENARIO = fileURLToPath(new URL("../../../../scenarios/demo.json", import.meta.url));

const usage = `Usage: eks-warden serve [options]

Starts the local system (EKS simulator, DynamoDB Local, SNS/SQS emulator, the real handlers) and keeps it up: drive
the simulator with the AWS CLI or any SDK (the export lines it prints point them at it) while alerts stream here.
Every cluster is evaluated at start, as the daily sweep does. Ctrl-C stops everything.

Options:
  --scenario FILE     take the fleet, policy and identities from this scenario (its steps are not played)
                      (default: scenarios/demo.json)
  --port N            the simulator's port (default: a free one)
  --time-scale X      virtual seconds per real second (default: 60, so a 10-minute endpoint update ends in 10 s;
                      0 freezes the clock)
  --handler-logs      show the handlers' own (Powertools) JSON logs
  -h, --help          show this help`;

interface Options {
  readonly scenario: string;
  readonly port?: number;
  readonly timeScale: number;
  readonly handlerLogs: boolean;
}

function parseOptions(argv: readonly string[]): Options | "help" {
  const parsed = parseCommandLine(argv, {
    scenario: { type: "string" },
    port: { type: "string" },
    "time-scale": { type: "string" },
    "handler-logs": { type: "boolean" },
  });
  if (parsed === "help") return "help";
  const { values } = parsed;
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new CliInputError(`--port ${JSON.stringify(values.port)}: expected a port number from 0 to 65535`);
  const timeScale = values["time-scale"] === undefined ? 60 : Number(values["time-scale"]);
  if (!Number.isFinite(timeScale) || timeScale < 0 || timeScale > 100_000) throw new CliInputError(`--time-scale ${JSON.stringify(values["time-scale"])}: expected a number from 0 to 100000`);
  return { scenario: values.scenario ?? DEFAULT_SCENARIO, ...(port !== undefined && { port }), timeScale, handlerLogs: values["handler-logs"] === true };
}

const TICK_MS = 250;
/** The settle queue's delivery delay the stack deploys (30 s): how often, in virtual time, waiting checks run. */
const SETTLE_ROUND_MS = SETTLE_QUEUE.deliveryDelaySeconds * 1000;

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseOptions(argv);
    if (options === "help") {
      printHelp(usage);
      return 0;
    }
    const scenario = await loadScenarioOrReport(options.scenario, "serve");
    if (scenario === undefined) return 2;
    const write = (text: string) => process.stdout.write(text);
    const sink = textSink(write);
    let system: LocalSystem | undefined;
    // Ctrl-C (or SIGTERM) at any moment: during the start, it cuts the start short (everything started so far is
    // stopped at once); afterwards it ends the watch. Either way the command ends with 128 + the signal's number.
    let stopSignal: NodeJS.Signals | undefined;
    const abort = new AbortController();
    let requested: () => void = () => undefined;
    const stopRequested = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const stop = (signal: NodeJS.Signals) => {
      if (stopSignal) return;
      stopSignal = signal;
      write(`\n${signal}: stopping the simulator, the SNS/SQS emulator and DynamoDB Local\n`);
      abort.abort(new Error(`stopped by ${signal}`));
      // Stopped at once, not after the work in flight (the sweep, a tick): that work fails, which is the stop asked.
      void system?.stop().catch(() => undefined);
      requested();
    };
    // The shell's convention for a process ended by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM).
    const stoppedCode = (signal: NodeJS.Signals) => {
      write("stopped\n");
      return 128 + constants.signals[signal];
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    let timer: NodeJS.Timeout | undefined;
    try {
      try {
        system = await startLocalSystem({
          fleet: scenario.fleetInput,
          policy: scenario.policyInput,
          identities: [...scenario.identities.values()],
          ...(scenario.policy.regions.length > 0 && { regions: scenario.policy.regions }),
          ...(options.port !== undefined && { simulatorPort: options.port }),
          handlerLogs: options.handlerLogs,
          signal: abort.signal,
        });
      } catch (error) {
        if (stopSignal) return stoppedCode(stopSignal);
        if (error instanceof LocalStartError) {
          // Everything started so far is stopped by now: one line, what failed and what to do, and exit 3.
          const advice = error.reason === "port" ? "; choose another with --port N, or leave --port out for a free one" : "";
          process.stderr.write(`eks-warden serve: ${oneLine(error)}${advice}\n`);
          return 3;
        }
        throw error;
      }
      const { simulator, endpoints } = system;
      const region = scenario.fleet.defaultRegion;
      const someCluster = simulator.store.all().find((cluster) => cluster.region === region)?.name ?? "CLUSTER";
      const lines = [
        `EKS Warden local system (fleet and policy of ${scenario.file}), up in ${(system.startMs / 1000).toFixed(1)} s`,
        `  EKS simulator:  ${simulator.url}  (EKS, STS and SSM; ${simulator.store.all().length} clusters; virtual clock ${simulator.clock.now().toISOString()}, ${options.timeScale === 0 ? "frozen" : `x${options.timeScale}`})`,
        `  DynamoDB Local: ${endpoints.dynamodb}  (table ${system.tableName})`,
        `  SNS/SQS:        ${endpoints.sns}  (alerts topic ${system.topicArn})`,
        "",
        "Point the AWS CLI or any SDK at the local system (the simulator, DynamoDB Local and the SNS/SQS emulator):",
        `export AWS_ENDPOINT_URL_EKS=${simulator.url}`,
        `export AWS_ENDPOINT_URL_STS=${simulator.url}`,
        `export AWS_ENDPOINT_URL_SSM=${simulator.url}`,
        `export AWS_ENDPOINT_URL_DYNAMODB=${endpoints.dynamodb}`,
        `export AWS_ENDPOINT_URL_SNS=${endpoints.sns}`,
        `export AWS_ENDPOINT_URL_SQS=${endpoints.sqs}`,
        // The AWS CLI v1 reads only AWS_DEFAULT_REGION; v2 and the SDKs prefer AWS_REGION: print both.
        `export AWS_REGION=${region}`,
        `export AWS_DEFAULT_REGION=${region}`,
        ...[...scenario.identities.values()].flatMap((identity, index) => [
          `${index === 0 ? "" : "# "}export AWS_ACCESS_KEY_ID=${identity.accessKeyId} AWS_SECRET_ACCESS_KEY=${identity.secretAccessKey}   # ${identity.name}: ${identity.arn}`,
        ]),
        "",
        "Then, for example:",
        `  aws eks update-cluster-config --endpoint-url ${simulator.url} --region ${region} --name ${someCluster} --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=0.0.0.0/0`,
        "",
        "Alerts stream below. Ctrl-C stops everything.",
        "eks-warden serve: ready",
      ];
      write(`${lines.join("\n")}\n`);
      system.onCall((event) => {
        const error = event.detail.errorCode ? ` failed: ${event.detail.errorCode}` : "";
        write(`\n  CALL   ${event.detail.eventName} ${clusterOfEvent(event) ?? ""} (${event.region}) by ${event.detail.userIdentity.arn} from ${event.detail.sourceIPAddress}${error}\n`);
      });

      // The settle check's completion: the change EKS finished, and what the evaluation that followed it found.
      system.onSettled((settled) => {
        const update = settled.updateId ? ` ${settled.updateType ?? "update"} ${settled.updateId}${settled.updateStatus ? ` ${settled.updateStatus}` : ""}` : "";
        const failing = settled.failing.length === 0 ? "none failing" : `${settled.failing.length} failing: ${settled.failing.map((finding) => `${finding.ruleId} ${finding.severity}`).join(", ")}`;
        write(`\n  SETTLED ${settled.cluster} (${settled.region}): ${settled.eventName}${update}; ${settled.findings} rules evaluated, ${failing}\n`);
      });

      const pump = async (): Promise<void> => {
        for (const notification of await system!.readNotifications()) sink.notification(notification);
      };
      sink.phase("sweep at start: every cluster evaluated, as the daily sweep does");
      await system.sweep();
      await pump();
      sink.phase(`watching (settle checks run as the virtual clock passes; ${formatDuration(options.timeScale * 1000)} of virtual time per second)`);

      let busy = false;
      let last = performance.now();
      let sinceSettle = 0;
      timer = setInterval(() => {
        if (busy || stopSignal || !system) return;
        busy = true;
        const now = performance.now();
        const virtualMs = Math.round((now - last) * options.timeScale);
        last = now;
        void (async () => {
          try {
            await system!.deliverEvents();
            if (virtualMs > 0) simulator.clock.advance(virtualMs);
            sinceSettle += virtualMs;
            // The settle checks run every SETTLE_ROUND_MS of virtual time, as the queue's delay would let them.
            if (sinceSettle >= SETTLE_ROUND_MS) {
              sinceSettle = 0;
              await system!.settleRound();
              await system!.deliverEvents();
            }
            await pump();
          } catch (error) {
            if (!stopSignal) process.stderr.write(`eks-warden serve: ${oneLine(error)}\n`);
          } finally {
            busy = false;
          }
        })();
      }, TICK_MS);
      await stopRequested;
      if (timer) clearInterval(timer);
      await system.stop();
      return stoppedCode(stopSignal!);
    } catch (error) {
      // Work in flight (the sweep, a tick) fails when Ctrl-C stops the parts under it: that is the requested stop.
      if (!stopSignal) throw error;
      if (timer) clearInterval(timer);
      await system?.stop();
      return stoppedCode(stopSignal);
    } finally {
      if (timer) clearInterval(timer);
      // stop() is idempotent: whatever ended the command, nothing is left running.
      await system?.stop();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
