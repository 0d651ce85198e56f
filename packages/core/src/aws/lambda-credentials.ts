// Stands in for @aws-sdk/credential-provider-node in the deployed Lambda bundles (esbuild alias, HANDLER_BUNDLING in
// ../deployment/constants.ts). Every SDK client imports that package for its default credential chain, and with it the
// providers for profiles, SSO, STS web identity, login files, processes and instance metadata (~130 KB of the
// bundle, compiled at every cold start), none of which Lambda uses: it hands the role's credentials in the
// environment. Never imported by the source itself, so the CLI, the local system and tests keep the default chain.

import { fromEnv } from "@aws-sdk/credential-provider-env";

/** The SDK's default-chain entry point, reduced to the environment (AWS_ACCESS_KEY_ID, ...). */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> => fromEnv(init);
