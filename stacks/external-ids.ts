// The deploy-time refusal of inline external ids, apart from parsing (config.ts): parsing accepts them, since
// `eks-warden scan` and the local system read the same policy and deploy nothing.
import { ValidationError } from "@eks-warden/core";
import type { DeploymentConfig } from "./config.ts";

/**
 * A deployed stage takes each member account's external id from an SSM SecureString parameter, never inline
 * (policy.accounts[].externalId): the policy travels in every function's environment and in the template
 * (docs/organization.md). Inline stays accepted where nothing is deployed: `eks-warden scan`, the local system.
 */
export function refuseInlineExternalIds(config: Pick<DeploymentConfig, "policy" | "source">): void {
  const inline = config.policy.accounts.flatMap((account, index) => (account.externalId === undefined ? [] : [`policy.accounts[${index}].externalId`]));
  if (inline.length === 0) return;
  throw new ValidationError(
    `${config.source}: invalid deployment configuration`,
    inline.map((path) => ({
      path,
      message:
        "a deployed stage does not take the external id inline (it would travel in every function's environment and the template): " +
        "put it in an SSM SecureString parameter in the stack's region and name that in externalIdParameter, e.g. /eks-warden/external-id/<account>",
    })),
  );
}
