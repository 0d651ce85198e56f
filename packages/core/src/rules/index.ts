// The rule registry: every rule, in a stable order (endpoint exposure first, then versions, upgrade readiness,
// node groups and add-ons, logging, access, exemptions).
// Findings, digests and alerts list rules in this order; adding a rule means one file in this folder and one line here.

import { readsClosure } from "../permissions.ts";
import type { DataKind, Rule } from "../model.ts";
import { rule as accessAuthenticationMode } from "./access-authentication-mode.ts";
import { rule as accessClusterAdmin } from "./access-cluster-admin.ts";
import { rule as accessCreatorAdmin } from "./access-creator-admin.ts";
import { rule as accessIdentityProviders } from "./access-identity-providers.ts";
import { rule as addonOutdated } from "./addon-outdated.ts";
import { rule as controlPlaneAuditLogging } from "./control-plane-audit-logging.ts";
import { rule as endpointPrivateAccess } from "./endpoint-private-access.ts";
import { rule as endpointPublicAccess } from "./endpoint-public-access.ts";
import { rule as exemptionTagValid } from "./exemption-tag-valid.ts";
import { rule as extendedSupportEnrollment } from "./extended-support-enrollment.ts";
import { rule as nodegroupAmiOutdated } from "./nodegroup-ami-outdated.ts";
import { rule as nodegroupVersionSkew } from "./nodegroup-version-skew.ts";
import { rule as upgradeInsights } from "./upgrade-insights.ts";
import { rule as versionDrift } from "./version-drift.ts";
import { rule as versionSupport } from "./version-support.ts";

export const rules: readonly Rule[] = Object.freeze([
  endpointPublicAccess,
  endpointPrivateAccess,
  versionSupport,
  versionDrift,
  extendedSupportEnrollment,
  upgradeInsights,
  nodegroupVersionSkew,
  nodegroupAmiOutdated,
  addonOutdated,
  controlPlaneAuditLogging,
  accessClusterAdmin,
  accessAuthenticationMode,
  accessIdentityProviders,
  accessCreatorAdmin,
  exemptionTagValid,
]);

const byId: ReadonlyMap<string, Rule> = new Map(rules.map((rule) => [rule.id, rule]));

/** The rule with this id, or undefined. */
export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}

/** Sorted, unique IAM actions the given rules' data needs: what a least-privilege role must allow. */
export function permissionsFor(selected: readonly Rule[] = rules): string[] {
  return [...new Set(selected.flatMap((rule) => rule.permissions))].sort();
}

/** What collecting for the given rules reads: the union of their `reads`, with what that data needs. */
export function readsFor(selected: readonly Rule[] = rules): Set<DataKind> {
  return readsClosure(selected.flatMap((rule) => rule.reads));
}
