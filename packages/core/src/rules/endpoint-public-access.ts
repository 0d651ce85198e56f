import { cidrContains, isValidCidr, isWorldOpen, parseCidr, publicShare, type Cidr, type IpFamily } from "../cidr.ts";
import type { ClusterIdentity, ClusterSnapshot, Policy, Remediation, Rule } from "../model.ts";
import { clusterArguments, clusterLabel, evidenceStrings, finding, notApplicableForLifecycle, undecided } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

/**
 * Severity by how much of the internet can reach the endpoint, outside the allowlist: at least this share of the
 * public address space of either family (IPv4: a /8 or more, counted after merging overlaps and leaving private and
 * reserved ranges out; so 0.0.0.0/1 + 128.0.0.0/1 is the whole internet) is CRITICAL, like 0.0.0.0/0; less is HIGH;
 * public access limited to the allowlist is MEDIUM (or PASS when the policy accepts it).
 */
export const CRITICAL_PUBLIC_SHARE = { numerator: 1n, denominator: 256n, text: "1/256" } as const;

type Share = { readonly fraction: number; readonly critical: boolean };

/** Shares already worked out, by family and blocks: a fleet repeats a few CIDR lists (0.0.0.0/0 above all) on every cluster. */
const shares = new Map<string, Share>();
const SHARES_KEPT = 1024;

/** The share of the public space of `family` the blocks open, as a number from 0 to 1 (six decimals). */
function shareOf(blocks: readonly Cidr[], family: IpFamily): Share {
  const key = `${family} ${blocks.map((block) => block.text).join(" ")}`;
  const known = shares.get(key);
  if (known !== undefined) return known;
  const { open, total } = publicShare(blocks, family);
  const share = { fraction: Number((open * 1_000_000n) / total) / 1_000_000, critical: open * CRITICAL_PUBLIC_SHARE.denominator >= total * CRITICAL_PUBLIC_SHARE.numerator };
  if (shares.size >= SHARES_KEPT) shares.clear();
  shares.set(key, share);
  return share;
}

const percent = (fraction: number): string => `${Number((fraction * 100).toPrecision(3))}%`;

/** What AWS applies when public access is on and the record lists no CIDRs. */
const AWS_DEFAULT_PUBLIC_CIDRS = ["0.0.0.0/0"] as const;

function makePrivate(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Turn the public endpoint off and the private endpoint on, so the Kubernetes API answers only inside the VPC and networks connected to it; " +
      "first make sure operators and CI/CD reach it through a VPN, Direct Connect, a bastion or SSM.",
    command: `aws eks update-cluster-config ${clusterArguments(cluster)} --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`,
  };
}

function restrictToAllowlist(cluster: ClusterIdentity, allowlist: readonly string[]): Remediation {
  return {
    text:
      "Limit the public endpoint to the allowlisted CIDR blocks and turn the private endpoint on, so nodes keep reaching the API from inside the VPC " +
      "(with private access off, nodes would need their NAT egress addresses on the list).",
    // The list goes last: the CLI's shorthand reads everything after publicAccessCidrs= as its list.
    command:
      `aws eks update-cluster-config ${clusterArguments(cluster)} --resources-vpc-config ` +
      `endpointPublicAccess=true,endpointPrivateAccess=true,publicAccessCidrs=${allowlist.join(",")}`,
  };
}

/** The fix the policy asks for; restricting needs a non-empty allowlist, so an empty one falls back to private. */
function remediationFor(cluster: ClusterIdentity, policy: Policy): Remediation {
  if (policy.remediation.action === "restrict-to-allowlist" && policy.endpoint.allowedPublicCidrs.length > 0) {
    return restrictToAllowlist(cluster, policy.endpoint.allowedPublicCidrs);
  }
  return makePrivate(cluster);
}

/** Why the public CIDR list says what it says, when AWS's default filled it in. */
function defaultedNote(snapshot: ClusterSnapshot, listEmpty: boolean): string | undefined {
  if (snapshot.endpoint.defaulted.publicAccess) return "the cluster record has no endpoint access fields, which AWS treats as public to 0.0.0.0/0";
  if (snapshot.endpoint.defaulted.publicAccessCidrs || listEmpty) return "the cluster record lists no publicAccessCidrs, which AWS treats as 0.0.0.0/0";
  return undefined;
}

export const rule: Rule = {
  id: "endpoint-public-access",
  area: "endpoint",
  // Public access is judged from the event alone only when the call turns it on: the live CIDR list is unknown, so
  // AWS's 0.0.0.0/0 is assumed (the worst case); a call that only narrows CIDRs waits for the live cluster.
  intent: { fromEventAlone: (requested) => requested.endpointPublicAccess === true },
  title: "EKS API endpoint not reachable from the internet",
  severity: "CRITICAL",
  frameworks: ["CIS-EKS 5.4.1", "CIS-EKS 5.4.2", "FSBP EKS.1"],
  ...reading("cluster"),
  risk:
    "A public Kubernetes API endpoint can be reached by anyone on the internet: a leaked kubeconfig or token, an RBAC mistake, " +
    "or an unpatched API server vulnerability is then exploitable from anywhere, and the endpoint is scanned and brute-forced " +
    "continuously. Private-only access keeps the API inside the VPC, behind the network controls the organisation already runs.",
  remediation: makePrivate,
  headline({ evidence }, options) {
    const cidrs = evidenceStrings(evidence.publicAccessCidrs);
    if (evidence.publicAccess === false || cidrs === undefined || cidrs.length === 0) return undefined;
    return `EKS API endpoint ${options?.inProgress ? "opening" : "open"} to ${cidrs.join(", ")}`;
  },
  evaluate(snapshot, policy) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const { endpoint } = snapshot;
    const label = clusterLabel(snapshot);
    const allowlist = policy.endpoint.allowedPublicCidrs;
    const listEmpty = endpoint.publicAccess && endpoint.publicAccessCidrs.length === 0;
    const publicAccessCidrs = listEmpty ? [...AWS_DEFAULT_PUBLIC_CIDRS] : [...endpoint.publicAccessCidrs];
    const baseEvidence = {
      publicAccess: endpoint.publicAccess,
      privateAccess: endpoint.privateAccess,
      publicAccessCidrs: endpoint.publicAccess ? publicAccessCidrs : [...endpoint.publicAccessCidrs],
      allowlist: [...allowlist],
      defaulted: { ...endpoint.defaulted, publicAccessCidrs: endpoint.defaulted.publicAccessCidrs || listEmpty },
    };
    if (!endpoint.publicAccess) {
      return [
        finding(rule, snapshot, {
          status: "PASS",
          severity: rule.severity,
          message: `EKS cluster ${label} has no public API endpoint.`,
          evidence: { ...baseEvidence, worldOpenCidrs: [], cidrsOutsideAllowlist: [] },
        }),
      ];
    }

    const named = [
      ...publicAccessCidrs.map((text, index) => ({ text, path: `resourcesVpcConfig.publicAccessCidrs[${index}]` })),
      ...allowlist.map((text, index) => ({ text, path: `policy.endpoint.allowedPublicCidrs[${index}]` })),
    ];
    const invalid = named.find((entry) => !isValidCidr(entry.text));
    if (invalid !== undefined) {
      return [
        undecided(rule, snapshot, `EKS cluster ${label} could not be checked because ${invalid.path} (${JSON.stringify(invalid.text)}) is not a valid CIDR block.`, {
          ...baseEvidence,
          invalidCidr: invalid.text,
        }),
      ];
    }
    const blocks = publicAccessCidrs.map((text) => parseCidr(text));
    const allowed = allowlist.map((text) => parseCidr(text));
    const worldOpenCidrs = blocks.filter((block) => isWorldOpen(block)).map((block) => block.text);
    const outside = blocks.filter((block) => !allowed.some((entry) => cidrContains(entry, block)));
    const cidrsOutsideAllowlist = outside.map((block) => block.text);
    const ipv4 = shareOf(outside, 4);
    const ipv6 = shareOf(outside, 6);
    const note = defaultedNote(snapshot, listEmpty);
    const evidence = {
      ...baseEvidence,
      worldOpenCidrs,
      cidrsOutsideAllowlist,
      publicShareOutsideAllowlist: { ipv4: ipv4.fraction, ipv6: ipv6.fraction, criticalFrom: CRITICAL_PUBLIC_SHARE.text },
      allowlistedPublicAccessPasses: policy.endpoint.allowlistedPublicAccessPasses,
      ...(note ? { defaultedBecause: note } : {}),
    };

    if (worldOpenCidrs.length > 0 || ipv4.critical || ipv6.critical) {
      const what =
        worldOpenCidrs.length > 0
          ? `the whole internet (${worldOpenCidrs.join(", ")}${note ? `: ${note}` : ""})`
          : `${[ipv4.critical ? `${percent(ipv4.fraction)} of the public IPv4 internet` : "", ipv6.critical ? `${percent(ipv6.fraction)} of the public IPv6 internet` : ""].filter(Boolean).join(" and ")} (${cidrsOutsideAllowlist.join(", ")})`;
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "CRITICAL",
          message: `EKS cluster ${label} has its API endpoint open to ${what}.`,
          evidence,
          remediation: remediationFor(snapshot, policy),
        }),
      ];
    }
    if (cidrsOutsideAllowlist.length > 0) {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "HIGH",
          message: `EKS cluster ${label} has a public API endpoint reachable from ${cidrsOutsideAllowlist.length === 1 ? "a CIDR block" : `${cidrsOutsideAllowlist.length} CIDR blocks`} outside the allowlist (${cidrsOutsideAllowlist.join(", ")}).`,
          evidence,
          remediation: remediationFor(snapshot, policy),
        }),
      ];
    }
    if (policy.endpoint.allowlistedPublicAccessPasses) {
      return [
        finding(rule, snapshot, {
          status: "PASS",
          severity: rule.severity,
          message: `EKS cluster ${label} has a public API endpoint limited to allowlisted CIDR blocks, which the policy accepts.`,
          evidence,
        }),
      ];
    }
    // Every block is allowlisted, so restricting would change nothing: the remaining fix is going private.
    return [
      finding(rule, snapshot, {
        status: "FAIL",
        severity: "MEDIUM",
        message: `EKS cluster ${label} has a public API endpoint, limited to allowlisted CIDR blocks (${publicAccessCidrs.join(", ")}).`,
        evidence,
        remediation: makePrivate(snapshot),
      }),
    ];
  },
};
