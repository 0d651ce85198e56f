import type { ClusterIdentity, IdentityProviderSnapshot, Remediation, Rule } from "../model.ts";
import { clusterLabel, evidenceText, finding, notApplicableForLifecycle, shellWord, unread } from "./lib/finding.ts";
import { count } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";

function clusterNameOptions(cluster: ClusterIdentity): string {
  return `--region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)}`;
}

function listProviders(cluster: ClusterIdentity): Remediation {
  return {
    text: "List the cluster's identity providers, disassociate any the organisation does not run, and add the trusted issuers to policy.access.identityProviders.",
    command: `aws eks list-identity-provider-configs ${clusterNameOptions(cluster)}`,
  };
}

/** The undo of one association. */
function disassociate(cluster: ClusterIdentity, provider: IdentityProviderSnapshot): Remediation {
  return {
    text:
      `Disassociate the identity provider ${provider.name} (issuer ${provider.issuerUrl ?? "unknown"}) unless the organisation runs it; ` +
      "if it does, add its issuer URL to policy.access.identityProviders.",
    command: `aws eks disassociate-identity-provider-config ${clusterNameOptions(cluster)} --identity-provider-config ${shellWord(`type=${provider.type},name=${provider.name}`)}`,
  };
}

const withoutSlash = (url: string) => url.replace(/\/$/, "");

export const rule: Rule = {
  id: "access-identity-providers",
  area: "access",
  title: "OIDC identity providers limited to trusted issuers",
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster", "identityProviders"),
  risk:
    "An associated OIDC identity provider lets whoever controls that issuer mint tokens the cluster accepts, with any username and groups its claims say: " +
    "an unknown issuer is a second, unaudited way into the Kubernetes API.",
  remediation: listProviders,
  headline: ({ evidence }) => {
    const issuer = evidenceText(evidence.firstUntrustedIssuer);
    return issuer === undefined ? undefined : `untrusted OIDC issuer ${issuer.replace(/^https:\/\//, "").slice(0, 48)}`;
  },
  evaluate(snapshot, policy) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    if (snapshot.identityProviders === undefined) return [unread(rule, snapshot, "its identity providers (eks:ListIdentityProviderConfigs)", "identityProviders")];
    const label = clusterLabel(snapshot);
    const trusted = new Set(policy.access.identityProviders.map(withoutSlash));
    const readable = snapshot.identityProviders.filter((provider) => provider.unreadable === undefined);
    const unreadable = snapshot.identityProviders.filter((provider) => provider.unreadable !== undefined);
    const untrusted = readable.filter((provider) => provider.issuerUrl === undefined || !trusted.has(withoutSlash(provider.issuerUrl)));
    const evidence = {
      providers: readable.map((provider) => ({ name: provider.name, type: provider.type, issuerUrl: provider.issuerUrl ?? null, clientId: provider.clientId ?? null, status: provider.status ?? null, trusted: !untrusted.includes(provider) })),
      unreadable: unreadable.map((provider) => ({ name: provider.name, reason: provider.unreadable })),
      trustedIssuers: [...trusted],
      ...(untrusted[0] && { firstUntrustedIssuer: untrusted[0].issuerUrl ?? `(no issuer) ${untrusted[0].name}` }),
    };
    if (untrusted.length > 0) {
      const which = untrusted.map((provider) => `${provider.name} (${provider.issuerUrl ?? "no issuer URL"})`).join(", ");
      return [finding(rule, snapshot, { status: "FAIL", severity: "MEDIUM", message: `EKS cluster ${label} accepts tokens from ${count(untrusted.length, "identity provider")} not in policy.access.identityProviders: ${which}.`, evidence, remediation: disassociate(snapshot, untrusted[0]!) })];
    }
    if (unreadable.length > 0) {
      return [finding(rule, snapshot, { status: "ERROR", severity: rule.severity, message: `EKS cluster ${label} could not be checked: ${count(unreadable.length, "identity provider")} could not be read (${unreadable.map((provider) => provider.name).join(", ")}).`, evidence })];
    }
    const message = readable.length === 0 ? `EKS cluster ${label} has no OIDC identity provider associated.` : `EKS cluster ${label} accepts tokens only from trusted issuers (${readable.map((provider) => provider.issuerUrl).join(", ")}).`;
    return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message, evidence })];
  },
};
