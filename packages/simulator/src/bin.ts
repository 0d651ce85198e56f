// `eks-simulator --fleet FILE [--port N] [--host H] [--time-scale X]`: runs the simulator on its own and prints
// how to point any client at it. The virtual clock follows real time times --time-scale (0 freezes it; then
// advance it with POST /_sim/clock/advance?ms=N).

import { parseArgs } from "node:util";
import { FleetError } from "./fleet.ts";
import { startSimulator } from "./simulator.ts";

const USAGE = "usage: eks-simulator --fleet FILE [--port N] [--host 127.0.0.1] [--time-scale 1]";

async function main(): Promise<number> {
  let values: { fleet?: string; port?: string; host?: string; "time-scale"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { fleet: { type: "string" }, port: { type: "string" }, host: { type: "string" }, "time-scale": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.fleet) {
    process.stderr.write(`--fleet is required\n${USAGE}\n`);
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  const timeScale = values["time-scale"] === undefined ? 1 : Number(values["time-scale"]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`--port must be an integer 0..65535, got ${values.port}\n`);
    return 2;
  }
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    process.stderr.write(`--time-scale must be a number >= 0, got ${values["time-scale"]}\n`);
    return 2;
  }
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  try {
    simulator = await startSimulator({ fleet: values.fleet, port, ...(values.host ? { host: values.host } : {}) });
  } catch (error) {
    process.stderr.write(`${error instanceof FleetError ? error.message : (error as Error).stack ?? String(error)}\n`);
    return 1;
  }
  let last = Date.now();
  const ticker =
    timeScale > 0
      ? setInterval(() => {
          const now = Date.now();
          simulator.clock.advance((now - last) * timeScale);
          last = now;
        }, 250)
      : undefined;
  process.stdout.write(`EKS simulator listening on ${simulator.url}\n`);
  for (const [name, value] of Object.entries(simulator.env())) process.stdout.write(`export ${name}=${value}\n`);
  process.stdout.write(`virtual clock: ${simulator.clock.now().toISOString()} (time scale ${timeScale})\n`);
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
  if (ticker) clearInterval(ticker);
  await simulator.stop();
  process.stdout.write("EKS simulator stopped\n");
  return 0;
}

process.exitCode = await main();
