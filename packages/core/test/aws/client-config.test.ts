// The clients' shared configuration: in Lambda, credentials come from the environment alone (the provider is loaded
// on the first read, to keep it and the SDK code it pulls in out of cold starts); elsewhere the SDK's default chain.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CLIENT_CONFIG, clientConfig } from "../../src/aws/client-config.ts";

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "warden-cluster-event", AWS_ACCESS_KEY_ID: "ASIAWARDENTEST000001" };

describe("clientConfig", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("in Lambda, resolves the role's credentials from the environment, session token and all", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAWARDENTEST000001");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "session");
    const config = clientConfig(LAMBDA);
    expect(config).toMatchObject(CLIENT_CONFIG);
    expect(await config.credentials!()).toMatchObject({ accessKeyId: "ASIAWARDENTEST000001", secretAccessKey: "secret", sessionToken: "session" });
  });

  it("in Lambda without credentials in the environment, fails the read with the provider's error, never an empty identity", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
    await expect(clientConfig(LAMBDA).credentials!()).rejects.toThrow(/Unable to find environment variable credentials/);
  });

  it("outside Lambda, leaves credentials to the SDK's default chain", () => {
    expect(clientConfig({ AWS_ACCESS_KEY_ID: "AKIAWARDENTEST000001" })).toEqual(CLIENT_CONFIG);
  });
});
