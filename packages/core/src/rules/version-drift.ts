import type { Rule, VersionCatalogue } from "../model.ts";
import { catalogueRemediation, clusterVersionAndCatalogue } from "./lib/catalogue.ts";
import { clusterLabel, evidenceText, finding, notApplicableForLifecycle, undecided } from "./lib/finding.ts";
import { upgradeControlPlane } from "./lib/upgrade.ts";
import { compareMinorVersions, formatMinorVersion, newestInStandardSupport, parseMinorVersion, type MinorVersion } from "./lib/versions.ts";
import { reading } from "./lib/reads.ts";

/** From this many minor versions behind, drift is MEDIUM: every step is a separate upgrade, tested and rolled out. */
const MEDIUM_FROM_MINOR_VERSIONS_BEHIND = 3;

/**
 * Minor versions between the cluster and the newest: plain arithmetic within one major version; across majors,
 * the catalogue's versions in between are counted, since minor numbers restart.
 */
function minorVersionsBehind(cluster: MinorVersion, newest: MinorVersion, catalogue: VersionCatalogue): number {
  if (cluster.major === newest.major) return newest.minor - cluster.minor;
  if (compareMinorVersions(cluster, newest) > 0) return 0;
  const between = new Set<string>();
  for (const entry of catalogue.versions) {
    const parsed = parseMinorVersion(entry.version);
    if (parsed !== undefined && compareMinorVersions(parsed, cluster) > 0 && compareMinorVersions(parsed, newest) <= 0) between.add(formatMinorVersion(parsed));
  }
  return between.size;
}

function minorVersions(count: number): string {
  return count === 1 ? "1 minor version" : `${count} minor versions`;
}

export const rule: Rule = {
  id: "version-drift",
  area: "version",
  title: "EKS Kubernetes version close to the newest supported",
  severity: "MEDIUM",
  // No framework control counts minor versions behind; FSBP EKS.2 (supported version) is version-support's.
  frameworks: [],
  ...reading("cluster", "versionCatalogue"),
  risk:
    "Each minor version behind is another upgrade to test and roll out, one at a time: the further a cluster drifts, the larger " +
    "and riskier the catch-up becomes, and the less time remains before standard support ends and the upgrade is forced.",
  remediation: upgradeControlPlane,
  headline({ evidence }) {
    const version = evidenceText(evidence.version);
    const newest = evidenceText(evidence.newestStandardSupportVersion);
    const behind = evidence.minorVersionsBehind;
    if (version === undefined || newest === undefined || typeof behind !== "number") return undefined;
    return `Kubernetes ${version} is ${minorVersions(behind)} behind ${newest}`;
  },
  evaluate(snapshot, policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const resolved = clusterVersionAndCatalogue(rule, snapshot, context);
    if (!resolved.ok) return [resolved.finding];
    const { catalogue, version, parsed } = resolved.value;
    const label = clusterLabel(snapshot);
    const newest = newestInStandardSupport(catalogue, context.now);
    if (newest === undefined) {
      return [
        undecided(rule, snapshot, `EKS cluster ${label} could not be checked because the version catalogue lists no version in standard support on ${context.now.toISOString().slice(0, 10)}.`, {
          version,
          catalogueVersions: catalogue.versions.map((entry) => entry.version),
        }, catalogueRemediation(snapshot)),
      ];
    }
    const behind = Math.max(0, minorVersionsBehind(parsed, newest.version, catalogue));
    const allowed = policy.versions.allowedMinorVersionsBehind;
    const newestText = newest.info.version;
    const evidence = { version, newestStandardSupportVersion: newestText, minorVersionsBehind: behind, allowedMinorVersionsBehind: allowed, evaluatedAt: context.now.toISOString() };
    if (behind <= allowed) {
      return [
        finding(rule, snapshot, {
          status: "PASS",
          severity: rule.severity,
          message:
            behind === 0
              ? `EKS cluster ${label} runs Kubernetes ${version}, the newest version in standard support or later.`
              : `EKS cluster ${label} runs Kubernetes ${version}, ${minorVersions(behind)} behind ${newestText}, within the ${allowed} allowed.`,
          evidence,
        }),
      ];
    }
    return [
      finding(rule, snapshot, {
        status: "FAIL",
        severity: behind >= MEDIUM_FROM_MINOR_VERSIONS_BEHIND ? "MEDIUM" : "LOW",
        message: `EKS cluster ${label} runs Kubernetes ${version}, ${minorVersions(behind)} behind ${newestText}, the newest version in standard support (policy allows ${allowed}).`,
        evidence,
      }),
    ];
  },
};
