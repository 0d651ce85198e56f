// What the EKS control plane costs: one computation, so the rule's finding and the digest give one figure.

/** AWS list prices of the EKS control plane, USD per cluster-hour (aws.amazon.com/eks/pricing): the policy's defaults. */
export const EKS_LIST_PRICES = { standardPerClusterHourUsd: 0.1, extendedPerClusterHourUsd: 0.6 } as const;

/** The prices a deployment judges by (policy.pricing). */
export interface ControlPlanePricing {
  readonly standardPerClusterHourUsd: number;
  readonly extendedPerClusterHourUsd: number;
}

/** A month of cluster-hours: 365 days x 24 hours / 12 months, as AWS's pricing examples count a month. */
export const HOURS_PER_MONTH = 730;

/** USD to the cent. */
export function toCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** What extended support adds per month over standard support, for one cluster, in USD to the cent. */
export function extendedSupportExtraPerMonthUsd(pricing: ControlPlanePricing): number {
  return toCents((pricing.extendedPerClusterHourUsd - pricing.standardPerClusterHourUsd) * HOURS_PER_MONTH);
}

/** "$0.60", "$365": a price as a sentence says it (cents only when there are some). */
export function usdText(usd: number): string {
  return Number.isInteger(usd) ? `$${usd}` : `$${usd.toFixed(2)}`;
}
