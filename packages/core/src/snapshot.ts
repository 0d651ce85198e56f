// DescribeCluster (and DescribeNodegroup, DescribeAddon, DescribeClusterVersions) output, in every form a user has
// it, turned into the plain, validated ClusterSnapshot / VersionCatalogue of model.ts. The accepted input forms are
// in snapshot/forms.ts, one normaliser per call beside it. Anything else throws SnapshotError naming the field path
// (as written in the input) and what was expected.

export { normaliseAccessEntry, normaliseIdentityProvider, type AccessEntryReading, type IdentityProviderReading } from "./snapshot/access.ts";
export { normaliseAddon } from "./snapshot/addon.ts";
export { normaliseAddonVersions } from "./snapshot/addon-versions.ts";
export { normaliseInsight, type InsightDescription } from "./snapshot/insight.ts";
export { normaliseVersionCatalogue } from "./snapshot/catalogue.ts";
export { CLUSTER_LOG_TYPES, normaliseCluster, WORLD_CIDRS, type NormaliseClusterOptions } from "./snapshot/cluster.ts";
export type { IdentityHint } from "./snapshot/identity.ts";
export { normaliseNodegroup } from "./snapshot/nodegroup.ts";
