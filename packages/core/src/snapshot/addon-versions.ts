// DescribeAddonVersions output (AddonInfo objects) -> AddonVersionInfo, for one Kubernetes version.

import * as z from "zod/mini";
import type { AddonVersionInfo } from "../model.ts";
import { parse } from "./forms.ts";

const addonInfoSchema = z.object({
  addonName: z.string().check(z.minLength(1, { error: "expected the add-on name" })),
  addonVersions: z.array(
    z.object({
      addonVersion: z.string().check(z.minLength(1, { error: "expected the add-on version" })),
      compatibilities: z.optional(z.array(z.object({ clusterVersion: z.optional(z.string()), defaultVersion: z.optional(z.boolean()) }))),
    }),
  ),
});

/**
 * The AddonInfo objects of DescribeAddonVersions (`addons`), as what each add-on offers on `kubernetesVersion`: the
 * versions compatible with it and the one EKS installs by default. `path` names where they sit, for error paths.
 */
export function normaliseAddonVersions(addons: readonly unknown[], kubernetesVersion: string, path = "addons"): AddonVersionInfo[] {
  return addons.map((input, index) => {
    const info = parse(addonInfoSchema, input, "DescribeAddonVersions", `${path}[${index}]`);
    const compatible = info.addonVersions.filter((version) => (version.compatibilities ?? []).some((entry) => entry.clusterVersion === kubernetesVersion));
    const byDefault = compatible.find((version) => (version.compatibilities ?? []).some((entry) => entry.clusterVersion === kubernetesVersion && entry.defaultVersion === true));
    return {
      addonName: info.addonName,
      kubernetesVersion,
      compatibleVersions: compatible.map((version) => version.addonVersion),
      ...(byDefault !== undefined && { defaultVersion: byDefault.addonVersion }),
    };
  });
}
