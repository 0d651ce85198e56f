// Which cluster a DescribeCluster record is: its ARN, or, for records without one, an ARN built from a hint.

import { ACCOUNT_ID, clusterArnOf, parseClusterArn, partitionOfRegion, REGION, regionOfEndpoint } from "../arn.ts";
import type { ClusterIdentity } from "../model.ts";
import { formatPath } from "../zod-issues.ts";
import { fail, show } from "./forms.ts";

/**
 * Where the identity comes from when the record has no `arn`. EKS has always returned the ARN, but hand-made
 * records, intents rebuilt from CloudTrail requests and old exports may lack it. Nothing is guessed: the account
 * must be given; the region is taken from the hint or else from the API endpoint URL
 * (`https://<id>.<x>.<region>.eks.amazonaws.com`); the partition follows the region. When the record does carry
 * an ARN, a hint that contradicts it is an error (the data is not from the account the caller thinks).
 */
export interface IdentityHint {
  /** 12-digit AWS account id. */
  readonly account?: string;
  readonly region?: string;
}

/** The fields of a validated cluster record the identity is read from. */
interface IdentityFields {
  readonly name: string;
  readonly arn?: string | undefined;
  readonly endpoint?: string | undefined;
}

export function resolveIdentity(record: IdentityFields, hint: IdentityHint | undefined, what: string, path: string): ClusterIdentity {
  const at = (field: string) => formatPath([field], path);
  if (hint?.account !== undefined && !ACCOUNT_ID.test(hint.account)) {
    fail(what, "identity.account", `expected a 12-digit AWS account id, got ${show(hint.account)}`);
  }
  if (hint?.region !== undefined && !REGION.test(hint.region)) {
    fail(what, "identity.region", `expected an AWS region such as "eu-west-1", got ${show(hint.region)}`);
  }
  if (record.arn !== undefined) {
    const identity = parseClusterArn(record.arn);
    if (!identity) fail(what, at("arn"), `expected an EKS cluster ARN (arn:<partition>:eks:<region>:<account>:cluster/<name>), got ${show(record.arn)}`);
    if (identity.name !== record.name) {
      fail(what, at("name"), `${show(record.name)} differs from the name in the ARN (${show(identity.name)}); expected the two to agree`);
    }
    if (hint?.account !== undefined && hint.account !== identity.account) {
      fail(what, at("arn"), `the ARN's account ${identity.account} differs from the expected account ${hint.account}`);
    }
    if (hint?.region !== undefined && hint.region !== identity.region) {
      fail(what, at("arn"), `the ARN's region ${identity.region} differs from the expected region ${hint.region}`);
    }
    return { arn: identity.arn, account: identity.account, region: identity.region, name: identity.name };
  }

  if (hint?.account === undefined) {
    fail(what, at("arn"), "missing; expected the cluster ARN, or an account id to build it from (identity hint, CLI --account)");
  }
  const endpointRegion = record.endpoint === undefined ? undefined : regionOfEndpoint(record.endpoint);
  if (hint.region !== undefined && endpointRegion !== undefined && hint.region !== endpointRegion) {
    fail(what, at("endpoint"), `the endpoint is in ${endpointRegion}, not in the expected region ${hint.region}`);
  }
  const region = hint.region ?? endpointRegion;
  if (region === undefined) {
    fail(what, at("arn"), "missing, and the region cannot be read from the endpoint URL; expected the ARN or a region (identity hint, CLI --region)");
  }
  return {
    arn: clusterArnOf(partitionOfRegion(region), region, hint.account, record.name),
    account: hint.account,
    region,
    name: record.name,
  };
}
