// The AWS regions a user may name (policy.regions, `--region`, the deployment region). A typo such as eu-wst-1 has a
// region's shape, and read as a region it finds no clusters and passes: so a name must be a region AWS has.
// Regions that reach the monitor from AWS itself (CloudTrail events, ARNs) are only checked for shape: AWS may open a
// region after this list was written, and its events must never be dropped.
//
// Kept with the code rather than read from the SDK's endpoint data, which lags behind AWS's launches (it lacked
// mx-central-1 and ap-southeast-7 when this list was written); test/regions.test.ts checks that the list holds every
// region the installed SDK knows. A region launched since: add it here.

import { REGION } from "./arn.ts";
import { closestName } from "./suggest.ts";

export const KNOWN_REGIONS: Readonly<Record<string, readonly string[]>> = {
  aws: [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
  "aws-iso": ["us-iso-east-1", "us-iso-west-1"],
  "aws-iso-b": ["us-isob-east-1"],
  "aws-iso-e": ["eu-isoe-west-1"],
  "aws-iso-f": ["us-isof-east-1", "us-isof-south-1"],
};

const ALL_REGIONS: readonly string[] = Object.values(KNOWN_REGIONS).flat();
const KNOWN: ReadonlySet<string> = new Set(ALL_REGIONS);

/** Why `region` is not a region a user may name, or undefined when it is one. */
export function regionProblem(region: string): string | undefined {
  if (KNOWN.has(region)) return undefined;
  const shown = JSON.stringify(region.length > 80 ? `${region.slice(0, 77)}...` : region);
  const suggestion = closestName(region, ALL_REGIONS);
  if (suggestion) return `${shown} is not an AWS region; did you mean ${suggestion}?`;
  if (REGION.test(region)) return `${shown} is not an AWS region this version of EKS Warden knows (packages/core/src/regions.ts lists them)`;
  return `${shown} is not an AWS region such as "eu-west-1"`;
}
