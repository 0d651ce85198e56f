// Calls to the EKS simulator as a person makes them with the AWS CLI: the real SDK client, signed as the caller, from
// the caller's address and user agent (LocalSystem.callEks).
import * as eksSdk from "@aws-sdk/client-eks";
import type { EksCaller } from "./types.ts";

const ANONYMOUS = { accessKeyId: "AKIASCENARIOANONYMOU", secretAccessKey: "anonymous" };

export async function callEks(endpoint: string, defaultRegion: string, operation: string, input: Readonly<Record<string, unknown>>, caller: EksCaller = {}): Promise<Record<string, unknown>> {
  // Any operation the simulator serves: the SDK's own command class of that name.
  const CommandClass = (eksSdk as unknown as Record<string, (new (input: unknown) => Parameters<eksSdk.EKSClient["send"]>[0]) | undefined>)[`${operation}Command`];
  if (!CommandClass) throw new Error(`the EKS SDK has no ${operation}Command`);
  const client = new eksSdk.EKSClient({ region: caller.region ?? defaultRegion, endpoint, credentials: caller.credentials ?? ANONYMOUS, maxAttempts: 1 });
  const { sourceIp, userAgent } = caller;
  if (sourceIp || userAgent) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) {
          // The simulator records this as CloudTrail's sourceIPAddress (a local call has no public address).
          if (sourceIp) request.headers["x-sim-source-ip"] = sourceIp;
          if (userAgent) request.headers["user-agent"] = userAgent;
        }
        return next(args);
      },
      { step: "finalizeRequest", name: "localCallerMiddleware", priority: "low" },
    );
  }
  try {
    return (await client.send(new CommandClass(input))) as unknown as Record<string, unknown>;
  } finally {
    client.destroy();
  }
}
