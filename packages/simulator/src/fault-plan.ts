// The `faults` section of a fleet (or of a scenario's fleet): failures a user can replay, not a test-only hook.
// docs/faults.md documents it. Each service has its own section, checked by its own validator in FAULT_SECTIONS:
// a new service (the local emulators' sns, dynamodb, ...) is one validator and one line in that table, and its
// type follows from the table.
//
//   "faults": {
//     "seed": 42,
//     "waitScale": 0.01,
//     "eks": { "latencyMs": 40, "latencySpikes": { "rate": 0.01, "ms": 2000 }, "throttleRate": 0.3,
//              "errorRate": 0.05, "rateLimit": { "perSecond": 10, "burst": 20 } }
//   }

export interface FaultIssue {
  path: string;
  message: string;
}

/** Faults of the simulator's EKS API, applied to every EKS operation (not to SSM, STS or Security Hub). */
export interface EksFaultPlan {
  /** Real milliseconds added to every EKS call. */
  readonly latencyMs: number;
  /** A share of calls (`rate`, 0..1) that take `ms` more on top of latencyMs. */
  readonly latencySpikes?: { readonly rate: number; readonly ms: number };
  /** 0..1: share of calls answered ThrottlingException (HTTP 429) at random. */
  readonly throttleRate: number;
  /** 0..1: share of calls answered ServerException (HTTP 500) at random. */
  readonly errorRate: number;
  /**
   * EKS's own throttling: a token bucket per account and region holding `burst` tokens, refilled at `perSecond`; a
   * call that finds it empty is answered ThrottlingException.
   */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
}

type SectionValidator<T> = (value: unknown, path: string, issues: FaultIssue[]) => T | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reports keys of `value` not in `known`; true when `value` is an object at all. */
function knownKeys(value: unknown, path: string, known: readonly string[], issues: FaultIssue[], shape: string): value is Record<string, unknown> {
  if (!isObject(value)) {
    issues.push({ path, message: `expected an object ${shape}, got ${shown(value)}` });
    return false;
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issues.push({ path: `${path}.${key}`, message: `unknown field (expected one of ${known.join(", ")})` });
  }
  return true;
}

function share(value: unknown, path: string, issues: FaultIssue[]): number | undefined {
  if (typeof value === "number" && value >= 0 && value <= 1) return value;
  issues.push({ path, message: `expected a share of calls from 0 to 1 (0.05 is 5%), got ${shown(value)}` });
  return undefined;
}

function milliseconds(value: unknown, path: string, issues: FaultIssue[]): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 60_000) return value;
  issues.push({ path, message: `expected milliseconds from 0 to 60000, got ${shown(value)}` });
  return undefined;
}

function positive(value: unknown, path: string, issues: FaultIssue[], what: string): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  issues.push({ path, message: `expected ${what} (a number above 0), got ${shown(value)}` });
  return undefined;
}

const EKS_KEYS = ["latencyMs", "latencySpikes", "throttleRate", "errorRate", "rateLimit"] as const;

export const validateEksFaults: SectionValidator<EksFaultPlan> = (value, path, issues) => {
  if (!knownKeys(value, path, EKS_KEYS, issues, `{ ${EKS_KEYS.join(", ")} }`)) return undefined;
  const before = issues.length;
  const latencyMs = value["latencyMs"] === undefined ? 0 : milliseconds(value["latencyMs"], `${path}.latencyMs`, issues);
  const throttleRate = value["throttleRate"] === undefined ? 0 : share(value["throttleRate"], `${path}.throttleRate`, issues);
  const errorRate = value["errorRate"] === undefined ? 0 : share(value["errorRate"], `${path}.errorRate`, issues);
  let latencySpikes: EksFaultPlan["latencySpikes"];
  const spikes = value["latencySpikes"];
  if (spikes !== undefined && knownKeys(spikes, `${path}.latencySpikes`, ["rate", "ms"], issues, "{ rate, ms }")) {
    const rate = share(spikes["rate"], `${path}.latencySpikes.rate`, issues);
    const ms = milliseconds(spikes["ms"], `${path}.latencySpikes.ms`, issues);
    if (rate !== undefined && ms !== undefined) latencySpikes = { rate, ms };
  }
  let rateLimit: EksFaultPlan["rateLimit"];
  const limit = value["rateLimit"];
  if (limit !== undefined && knownKeys(limit, `${path}.rateLimit`, ["perSecond", "burst"], issues, "{ perSecond, burst }")) {
    const perSecond = positive(limit["perSecond"], `${path}.rateLimit.perSecond`, issues, "calls refilled per second");
    const burst = limit["burst"];
    if (!(typeof burst === "number" && Number.isInteger(burst) && burst >= 1)) {
      issues.push({ path: `${path}.rateLimit.burst`, message: `expected the bucket's size in calls (a whole number, 1 or more), got ${shown(burst)}` });
    } else if (perSecond !== undefined) rateLimit = { perSecond, burst };
  }
  if (issues.length > before || latencyMs === undefined || throttleRate === undefined || errorRate === undefined) return undefined;
  if (throttleRate + errorRate > 1) {
    issues.push({ path: `${path}.errorRate`, message: `throttleRate + errorRate is ${throttleRate + errorRate}: together they can fail at most every call (1)` });
    return undefined;
  }
  return { latencyMs, throttleRate, errorRate, ...(latencySpikes && { latencySpikes }), ...(rateLimit && { rateLimit }) };
};

/**
 * A section of one share, for the local system's own parts (packages/local/src/faults.ts applies them; the simulator
 * only checks them): `{ "<field>": 0..1 }`.
 */
function shareSection<F extends string>(field: F): SectionValidator<{ readonly [K in F]: number }> {
  return (value, path, issues) => {
    if (!knownKeys(value, path, [field], issues, `{ ${field} }`)) return undefined;
    const rate = share(value[field], `${path}.${field}`, issues);
    return rate === undefined ? undefined : ({ [field]: rate } as { readonly [K in F]: number });
  };
}

/**
 * The services a `faults` section may name, each with its validator (value, its path, the issues to add to). The
 * extension point: another service's faults are a validator and one line here. `eks` is the simulator's; the others
 * are the local system's parts: DynamoDB Local's and the SNS emulator's error replies, the settle queue's deliveries
 * again, the CloudTrail events lost on their way to EventBridge.
 */
export const FAULT_SECTIONS = {
  eks: validateEksFaults,
  dynamodb: shareSection("errorRate"),
  sns: shareSection("errorRate"),
  settleQueue: shareSection("redeliverRate"),
  cloudtrail: shareSection("lossRate"),
} as const satisfies Record<string, SectionValidator<unknown>>;

export type FaultService = keyof typeof FAULT_SECTIONS;

/**
 * A validated `faults` section: the seed of the deterministic random stream, the share of real time the waits keep
 * (waitScale: the simulator's latency, and in the local system the AWS clients' and the sweep's retry backoff; a
 * replay in simulated time need not wait real seconds) and each service's plan.
 */
export type FaultPlan = { readonly seed?: number; readonly waitScale?: number } & { readonly [S in FaultService]?: NonNullable<ReturnType<(typeof FAULT_SECTIONS)[S]>> };

/** Checks a `faults` section; problems go to `issues` with their path (e.g. faults.eks.throttleRate). */
export function validateFaultPlan(value: unknown, path: string, issues: FaultIssue[]): FaultPlan | undefined {
  const services = Object.keys(FAULT_SECTIONS);
  if (!knownKeys(value, path, ["seed", "waitScale", ...services], issues, `{ seed?, waitScale?, ${services.join("?, ")}? }`)) return undefined;
  const before = issues.length;
  const plan: Record<string, unknown> = {};
  const seed = value["seed"];
  if (seed !== undefined) {
    if (typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) plan["seed"] = seed;
    else issues.push({ path: `${path}.seed`, message: `expected a whole number from 0 to 4294967295, got ${shown(seed)}` });
  }
  const waitScale = value["waitScale"];
  if (waitScale !== undefined) {
    if (typeof waitScale === "number" && Number.isFinite(waitScale) && waitScale > 0 && waitScale <= 1) plan["waitScale"] = waitScale;
    else issues.push({ path: `${path}.waitScale`, message: `expected a share of real time above 0 and at most 1 (0.01 waits 1%), got ${shown(waitScale)}` });
  }
  for (const [service, validate] of Object.entries(FAULT_SECTIONS) as [FaultService, SectionValidator<unknown>][]) {
    if (value[service] === undefined) continue;
    const section = validate(value[service], `${path}.${service}`, issues);
    if (section !== undefined) plan[service] = section;
  }
  return issues.length > before ? undefined : (plan as FaultPlan);
}
