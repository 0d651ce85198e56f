import { createServer } from "node:net";

/**
 * A TCP port that is free right now on the loopback interface. Another process can take it before we use it,
 * so callers that hand it to a child process retry with a new port when the child reports it in use.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error(`could not read the port of a probe listener (got ${String(address)})`));
      });
    });
  });
}
