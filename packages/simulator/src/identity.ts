// Who is calling: the access key of the SigV4 Authorization header maps to an identity (and so to the
// account whose clusters the call sees); the credential scope names the region.

import { randomBytes } from "node:crypto";

/** The `userIdentity` of a CloudTrail record, as EKS logs it. */
export interface UserIdentity {
  readonly type: string;
  readonly principalId: string;
  readonly arn: string;
  readonly accountId: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly sessionContext?: {
    readonly sessionIssuer: Record<string, string>;
    readonly webIdFederationData: Record<string, never>;
    readonly attributes: { readonly creationDate: string; readonly mfaAuthenticated: string };
  };
}

/** An identity as the fleet file declares it: only `arn` is needed, the rest is derived from it. */
export interface IdentitySeed {
  readonly arn: string;
  readonly type?: string;
  readonly principalId?: string;
  readonly userName?: string;
  /** The source IP CloudTrail records for this caller, unless the call sets header x-sim-source-ip. */
  readonly sourceIPAddress?: string;
}

export interface ResolvedCaller {
  readonly accessKeyId: string;
  readonly identity: UserIdentity;
  readonly sourceIPAddress?: string;
}

export interface SigV4Scope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

/** Reads the credential scope of a SigV4 Authorization header; undefined when the request is not signed that way. */
export function parseSigV4Authorization(header: string | undefined): SigV4Scope | undefined {
  if (!header) return undefined;
  const match = CREDENTIAL.exec(header);
  if (!match) return undefined;
  const [, accessKeyId, date, region, service] = match as unknown as [string, string, string, string, string];
  return { accessKeyId, date, region, service };
}

const ARN = /^arn:aws[\w-]*:(iam|sts)::(\d{12}):(.+)$/;

export function identityFromSeed(seed: IdentitySeed, accessKeyId: string): UserIdentity {
  const match = ARN.exec(seed.arn);
  if (!match) throw new RangeError(`identity ${accessKeyId}: arn must look like arn:aws:iam::<12 digits>:user/<name>, got "${seed.arn}"`);
  const [, service, accountId, resource] = match as unknown as [string, string, string, string];
  if (service === "sts" && resource.startsWith("assumed-role/")) {
    const [, roleName = "role", sessionName = "session"] = resource.split("/");
    const principalId = seed.principalId ?? `AROA${accessKeyId.slice(-16).toUpperCase()}:${sessionName}`;
    return {
      type: seed.type ?? "AssumedRole",
      principalId,
      arn: seed.arn,
      accountId,
      accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: principalId.split(":")[0] ?? principalId,
          arn: `arn:aws:iam::${accountId}:role/${roleName}`,
          accountId,
          userName: roleName,
        },
        webIdFederationData: {},
        attributes: { creationDate: "2026-01-01T00:00:00Z", mfaAuthenticated: "false" },
      },
    };
  }
  const userName = seed.userName ?? (resource.startsWith("user/") ? resource.split("/").pop() : undefined);
  return {
    type: seed.type ?? (resource === "root" ? "Root" : "IAMUser"),
    principalId: seed.principalId ?? accessKeyId,
    arn: seed.arn,
    accountId,
    accessKeyId,
    ...(userName ? { userName } : {}),
  };
}

/** The access key -> identity map, with AssumeRole sessions added as they are issued. */
export class IdentityDirectory {
  readonly #seeds = new Map<string, IdentitySeed>();
  readonly #defaultAccount: string;

  /** The roles that exist, by ARN, with the external id each requires; undefined: every role exists. */
  readonly #roles: ReadonlyMap<string, { readonly externalId?: string }> | undefined;

  constructor(defaultAccount: string, seeds: Readonly<Record<string, IdentitySeed>> = {}, roles?: readonly { readonly arn: string; readonly externalId?: string }[]) {
    this.#defaultAccount = defaultAccount;
    this.#roles = roles ? new Map(roles.map((role) => [role.arn, role])) : undefined;
    for (const [accessKeyId, seed] of Object.entries(seeds)) this.register(accessKeyId, seed);
  }

  /**
   * Why AssumeRole into the role is refused, as IAM decides it: the role does not exist (among the fleet's `roles`),
   * or its trust policy's sts:ExternalId condition is not met. Undefined: allowed.
   */
  assumeRoleRefusal(roleArn: string, externalId: string | undefined): string | undefined {
    if (!this.#roles) return undefined;
    const role = this.#roles.get(roleArn);
    if (!role) return "the role does not exist";
    if (role.externalId !== undefined && role.externalId !== externalId) return "the external id does not match the role's trust policy";
    return undefined;
  }

  get defaultAccount(): string {
    return this.#defaultAccount;
  }

  register(accessKeyId: string, seed: IdentitySeed): void {
    identityFromSeed(seed, accessKeyId); // validates the ARN now rather than on the first call
    this.#seeds.set(accessKeyId, seed);
  }

  /** An unknown (or missing) access key is a user of the default account, so any client works out of the box. */
  resolve(accessKeyId: string | undefined): ResolvedCaller {
    const key = accessKeyId ?? "ANONYMOUS";
    const seed = this.#seeds.get(key) ?? { arn: `arn:aws:iam::${this.#defaultAccount}:user/simulator-user` };
    return {
      accessKeyId: key,
      identity: identityFromSeed(seed, key),
      ...(seed.sourceIPAddress ? { sourceIPAddress: seed.sourceIPAddress } : {}),
    };
  }

  /** Issues temporary credentials for an assumed role; calls signed with them act in the role's account. */
  issueRoleSession(roleArn: string, sessionName: string, sourceIPAddress?: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string; assumedRoleArn: string; assumedRoleId: string } {
    const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
    if (!match) throw new RangeError(`RoleArn must look like arn:aws:iam::<12 digits>:role/<name>, got "${roleArn}"`);
    const [, accountId, roleName] = match as unknown as [string, string, string];
    const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
    const assumedRoleArn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
    const roleId = `AROA${randomBytes(8).toString("hex").toUpperCase()}`;
    this.register(accessKeyId, {
      arn: assumedRoleArn,
      principalId: `${roleId}:${sessionName}`,
      ...(sourceIPAddress ? { sourceIPAddress } : {}),
    });
    return {
      accessKeyId,
      secretAccessKey: randomBytes(20).toString("base64"),
      sessionToken: randomBytes(48).toString("base64"),
      assumedRoleArn,
      assumedRoleId: `${roleId}:${sessionName}`,
    };
  }
}
