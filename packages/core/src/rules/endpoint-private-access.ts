import type { ClusterIdentity, Remediation, Rule } from "../model.ts";
import { clusterArguments, clusterLabel, finding, notApplicableForLifecycle } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

function enablePrivateEndpoint(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Turn the private endpoint on, so nodes and clients inside the VPC reach the Kubernetes API through the VPC; " +
      "the public endpoint setting stays as it is (the endpoint-public-access rule covers it).",
    command: `aws eks update-cluster-config ${clusterArguments(cluster)} --resources-vpc-config endpointPrivateAccess=true`,
  };
}

export const rule: Rule = {
  id: "endpoint-private-access",
  area: "endpoint",
  intent: { fromEventAlone: (requested) => requested.endpointPrivateAccess !== undefined },
  title: "EKS private API endpoint enabled",
  severity: "HIGH",
  frameworks: ["CIS-EKS 5.4.2"],
  ...reading("cluster"),
  risk:
    "With the private endpoint off, the kubelets on the nodes and every client inside the VPC talk to the Kubernetes API " +
    "through its public endpoint: that traffic leaves the VPC through NAT, the public endpoint cannot be closed or narrowed " +
    "without cutting the nodes off, and the cluster depends on internet egress to work at all.",
  remediation: enablePrivateEndpoint,
  headline: ({ evidence }) => (evidence.privateAccess === false ? "EKS private API endpoint turned off" : undefined),
  evaluate(snapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const { endpoint } = snapshot;
    const evidence = {
      privateAccess: endpoint.privateAccess,
      publicAccess: endpoint.publicAccess,
      defaulted: { privateAccess: endpoint.defaulted.privateAccess, publicAccess: endpoint.defaulted.publicAccess },
    };
    const label = clusterLabel(snapshot);
    if (endpoint.privateAccess) {
      return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message: `EKS cluster ${label} has its private API endpoint turned on.`, evidence })];
    }
    const why = endpoint.defaulted.privateAccess ? " (the cluster record has no endpointPrivateAccess field, which AWS treats as off)" : "";
    return [
      finding(rule, snapshot, {
        status: "FAIL",
        severity: "HIGH",
        message: `EKS cluster ${label} has its private API endpoint turned off${why}, so node and in-VPC traffic to the Kubernetes API leaves the VPC.`,
        evidence,
      }),
    ];
  },
};
