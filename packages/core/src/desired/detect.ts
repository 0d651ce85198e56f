// Which desired-state format a file is, read from its content (never its name): a Terraform plan, a CloudFormation
// template (incl. CDK output) or an eksctl ClusterConfig. Anything else is a DesiredStateError saying what each
// format is recognised by.

import { keysOf } from "../snapshot/forms.ts";
import { looksLikeCloudFormation, readCloudFormation } from "./cloudformation.ts";
import { DesiredStateError, parseWithPositions } from "./document.ts";
import { looksLikeEksctl, readEksctl } from "./eksctl.ts";
import type { DesiredFormat, DesiredState } from "./model.ts";
import { looksLikeTerraformPlan, readTerraformPlan } from "./terraform.ts";
import { isRecord } from "./values.ts";

const RECOGNISED_BY =
  'a Terraform plan (`terraform show -json PLANFILE`: "format_version" and "planned_values"), a CloudFormation template ' +
  '("AWSTemplateFormatVersion" or "Resources" with AWS:: types; also CDK\'s cdk.out/*.template.json) or an eksctl ClusterConfig ' +
  '("apiVersion: eksctl.io/v1alpha5", "kind: ClusterConfig")';

/** A well-formed file that is none of the formats (a workflow, a compose file): a hook may pass over it. */
export class NotADesiredState extends DesiredStateError {}

export function detectFormat(value: unknown): DesiredFormat | undefined {
  if (looksLikeTerraformPlan(value)) return "terraform-plan";
  if (looksLikeEksctl(value)) return "eksctl";
  if (looksLikeCloudFormation(value)) return "cloudformation";
  return undefined;
}

/** The clusters a desired-state file declares. Throws DesiredStateError naming the file (and line) on any problem. */
export function readDesiredState(file: string, text: string): DesiredState {
  if (/\.tf$/i.test(file) || (/^\s*(resource|module|provider|terraform)\s+"?[\w-]+"?\s*[{"]/m.test(text) && !/^\s*[{[]/.test(text))) {
    throw new NotADesiredState(file, undefined, "this is Terraform source (HCL), not a plan; expected the plan as JSON: terraform plan -out plan.out && terraform show -json plan.out > plan.json");
  }
  const document = parseWithPositions(file, text, { intrinsicTags: true });
  const format = detectFormat(document.value);
  if (format === undefined) {
    const what = isRecord(document.value) ? `an object with ${keysOf(document.value)}` : document.value === null ? "an empty document" : `a ${Array.isArray(document.value) ? "list" : typeof document.value}`;
    throw new NotADesiredState(file, document.positionOf(document.value) ?? { line: 1, column: 1 }, `none of the formats eks-warden check reads: got ${what}; expected ${RECOGNISED_BY}`);
  }
  const state = format === "terraform-plan" ? readTerraformPlan(document) : format === "eksctl" ? readEksctl(document) : readCloudFormation(document);
  // A cluster is judged, and matched to the live one, by its name: an empty one (a Name joined from nothing, a
  // variable left blank) is a mistake in the file, never a cluster to judge.
  const unnamed = state.clusters.find((cluster) => cluster.name.trim() === "");
  if (unnamed !== undefined) {
    throw new DesiredStateError(file, { line: unnamed.source.line, column: unnamed.source.column }, `${unnamed.source.resource}: the cluster's name is empty; expected the name EKS will give it (1 to 100 letters, digits, - and _)`);
  }
  return state;
}
