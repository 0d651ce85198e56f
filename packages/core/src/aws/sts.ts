// The STS adapter: whose credentials these are (GetCallerIdentity, which needs no permission), which region the
// SDK would use, and the credentials of each member account of an Organization deployment (AssumeRole with the
// external id, cached for their lifetime; an external id kept in an SSM SecureString parameter is read through the SSM
// adapter at the first AssumeRole that needs it). The only code that calls the STS SDK.

import type { SSMClientConfig } from "@aws-sdk/client-ssm";
import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { AccessDenied, AccountUnreachable, ParameterMissing, ServiceUnavailable } from "../errors.ts";
import type { Policy } from "../model.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";
import { SsmParameters } from "./ssm.ts";

export interface StsIdentityOptions {
  /** Merged into the client's configuration (endpoint, credentials, profile). */
  readonly clientConfig?: STSClientConfig;
}

export class StsIdentity {
  readonly #options: StsIdentityOptions;
  #account: Promise<string> | undefined;

  constructor(options: StsIdentityOptions = {}) {
    this.#options = options;
  }

  /** The 12-digit account the credentials belong to (asked once; a failed attempt is not remembered). */
  account(region: string): Promise<string> {
    this.#account ??= (async () => {
      const { GetCallerIdentityCommand, STSClient } = await import("./deferred/sts.ts");
      const sts = new STSClient({ region, ...clientConfig(), ...this.#options.clientConfig });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        if (!identity.Account) throw new ServiceUnavailable("STS", "GetCallerIdentity", { cause: new Error("the reply names no account") });
        return identity.Account;
      } catch (error) {
        throw translateSdkError("STS", "GetCallerIdentity", error);
      } finally {
        sts.destroy();
      }
    })();
    this.#account.catch(() => {
      this.#account = undefined;
    });
    return this.#account;
  }

  /** The region the SDK would use (AWS_REGION, the profile's `region`), or undefined when none is configured. */
  async defaultRegion(): Promise<string | undefined> {
    const { STSClient } = await import("./deferred/sts.ts");
    const sts = new STSClient({ ...this.#options.clientConfig });
    try {
      return await sts.config.region();
    } catch {
      return undefined;
    } finally {
      sts.destroy();
    }
  }
}

/** Temporary credentials, as the SDK's credential providers return them. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A credential provider an SDK client accepts as `credentials`. */
export type CredentialsProvider = () => Promise<TemporaryCredentials>;

/** The roles of one member account (policy.accounts[] with a roleArn). */
export interface MemberAccount {
  readonly id: string;
  /** The read-only role: every read of the account (listing, collecting, following updates). */
  readonly roleArn: string;
  /** The remediation role (eks:UpdateClusterConfig only); absent: the account is never remediated. */
  readonly remediationRoleArn?: string;
  /** Given with every AssumeRole; the member roles' trust policies require it (confused-deputy protection). */
  readonly externalId?: string;
  /** The SSM SecureString parameter (in the deployment's region) holding the external id, instead of `externalId`. */
  readonly externalIdParameter?: string;
}

/** What a member account's credentials are for: reading, or the one write of remediation. */
export type AccountPurpose = "read" | "remediate";

export interface AccountCredentialsOptions {
  readonly accounts: readonly MemberAccount[];
  /** The role session name CloudTrail records in the member account (the function's name). */
  readonly sessionName: string;
  /** The region whose STS endpoint is asked (the deployment's). */
  readonly region: string;
  /** Merged into the STS client's configuration (endpoint, credentials). */
  readonly clientConfig?: STSClientConfig;
  /** The clock the expiry is judged by (an adapter may read time; logic may not). */
  readonly now?: () => Date;
  /** Reads the external id parameters; defaults to an SsmParameters with `clientConfig`'s endpoint and credentials. */
  readonly parameters?: SsmParameters;
}

/** Sessions are asked for an hour (AssumeRole's default, and the most a role chain allows). */
export const ASSUMED_ROLE_SECONDS = 3600;
/** A cached session is renewed this long before it expires, so no call starts with credentials about to lapse. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/**
 * The credentials of each member account, by AssumeRole into its read-only or remediation role, cached per role until
 * REFRESH_BEFORE_EXPIRY_MS before they expire; concurrent callers share the request in flight. A role STS refuses to
 * let us assume is an AccountUnreachable (not remembered: the next call asks again); STS throttling or failing is
 * thrown as the typed error it is. An account that is not a member (the
 * deployment's own) has no provider: its clients keep the function's own credentials.
 */
export class AccountCredentials {
  readonly #accounts: ReadonlyMap<string, MemberAccount>;
  readonly #options: AccountCredentialsOptions;
  readonly #sessions = new Map<string, Promise<TemporaryCredentials>>();
  #sts: STSClient | undefined;
  #parameters: SsmParameters | undefined;

  constructor(options: AccountCredentialsOptions) {
    this.#options = options;
    this.#accounts = new Map(options.accounts.map((account) => [account.id, account]));
  }

  /** The member accounts, in the order configured. */
  get members(): readonly string[] {
    return [...this.#accounts.keys()];
  }

  isMember(account: string): boolean {
    return this.#accounts.has(account);
  }

  /** The provider for a member account's role; undefined for any other account (read with the caller's own credentials). */
  provider(account: string, purpose: AccountPurpose): CredentialsProvider | undefined {
    const member = this.#accounts.get(account);
    if (!member) return undefined;
    return () => this.credentials(member, purpose);
  }

  /** The cached session of the account's role for `purpose`, renewed when it is about to expire. */
  credentials(member: MemberAccount, purpose: AccountPurpose): Promise<TemporaryCredentials> {
    const roleArn = purpose === "read" ? member.roleArn : member.remediationRoleArn;
    if (!roleArn) return Promise.reject(new AccountUnreachable(member.id, undefined, "policy.accounts names no remediationRoleArn for it, so EKS Warden never changes its clusters"));
    const cached = this.#sessions.get(roleArn);
    if (!cached) return this.#assume(member, roleArn);
    return cached.then((session) => {
      if (this.#fresh(session)) return session;
      // The first caller to find it stale renews it; the others share that renewal rather than each asking STS.
      const current = this.#sessions.get(roleArn);
      return current && current !== cached ? current : this.#assume(member, roleArn);
    });
  }

  #fresh(session: TemporaryCredentials): boolean {
    const now = (this.#options.now?.() ?? new Date()).getTime();
    return session.expiration === undefined || session.expiration.getTime() - now > REFRESH_BEFORE_EXPIRY_MS;
  }

  /** The member's external id: given inline, or read from its SecureString parameter (once, by the SSM adapter). */
  async #externalId(member: MemberAccount, roleArn: string): Promise<string | undefined> {
    if (member.externalIdParameter === undefined) return member.externalId;
    this.#parameters ??= this.#options.parameters ?? new SsmParameters({ clientConfig: this.#options.clientConfig as SSMClientConfig | undefined });
    try {
      return await this.#parameters.secureString(this.#options.region, member.externalIdParameter);
    } catch (error) {
      // Without the external id the role cannot be assumed: the account is reported unreachable, naming why.
      if (error instanceof ParameterMissing || error instanceof AccessDenied) throw new AccountUnreachable(member.id, roleArn, `its external id could not be read: ${error.message}`, { cause: error });
      throw error;
    }
  }

  #assume(member: MemberAccount, roleArn: string): Promise<TemporaryCredentials> {
    const session = (async (): Promise<TemporaryCredentials> => {
      const externalId = await this.#externalId(member, roleArn);
      const { AssumeRoleCommand, STSClient } = await import("./deferred/sts.ts");
      this.#sts ??= new STSClient({ region: this.#options.region, ...clientConfig(), ...this.#options.clientConfig });
      let reply;
      try {
        reply = await this.#sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: this.#options.sessionName.slice(0, 64),
            DurationSeconds: ASSUMED_ROLE_SECONDS,
            ...(externalId ? { ExternalId: externalId } : {}),
          }),
        );
      } catch (error) {
        // Only a refusal means the account cannot be read; STS throttling or failing is thrown as it is (Throttled,
        // ServiceUnavailable), so the caller retries as for any other service and reports a region, not the account.
        const typed = translateSdkError("STS", "AssumeRole", error);
        if (typed instanceof AccessDenied) throw new AccountUnreachable(member.id, roleArn, "AccessDenied: the role is missing, its trust policy does not name the caller's role, or the external id differs", { cause: error });
        throw typed;
      }
      const credentials = reply.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new AccountUnreachable(member.id, roleArn, "AssumeRole returned no credentials");
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
        ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
      };
    })();
    this.#sessions.set(roleArn, session);
    // A failure is not remembered: the next call asks again (the role may have been created since).
    session.catch(() => {
      if (this.#sessions.get(roleArn) === session) this.#sessions.delete(roleArn);
    });
    return session;
  }

  destroy(): void {
    this.#sts?.destroy();
    this.#sts = undefined;
    if (!this.#options.parameters) this.#parameters?.destroy();
    this.#parameters = undefined;
  }
}

export interface PolicyAccountCredentialsOptions extends Omit<AccountCredentialsOptions, "accounts"> {
  /**
   * Whether the members' remediation roles may be assumed: the deployed functions (IAM lets only Settle, under
   * enforce, actually assume them). False for the read-only `eks-warden scan` and `digest`: their AccountCredentials
   * know no remediation role, so a remediation session is never even asked for with the user's credentials.
   */
  readonly remediation: boolean;
}

/**
 * The credentials of a policy's member accounts (policy.accounts[] with a roleArn), as every reader builds them: the
 * functions, the local system and the CLI. An empty policy.accounts gives no member: every read keeps the caller's own
 * credentials, exactly as without an Organization.
 */
export function policyAccountCredentials(policy: Pick<Policy, "accounts">, options: PolicyAccountCredentialsOptions): AccountCredentials {
  const { remediation, ...credentialsOptions } = options;
  const members = memberAccountsOf(policy.accounts).map(({ remediationRoleArn, ...readOnly }) => (remediation && remediationRoleArn ? { ...readOnly, remediationRoleArn } : readOnly));
  return new AccountCredentials({ ...credentialsOptions, accounts: members });
}

/** The member accounts of a policy: the entries that name a role to assume. */
export function memberAccountsOf(accounts: readonly { readonly id: string; readonly roleArn?: string | undefined; readonly remediationRoleArn?: string | undefined; readonly externalId?: string | undefined; readonly externalIdParameter?: string | undefined }[]): MemberAccount[] {
  return accounts.flatMap((entry) =>
    entry.roleArn
      ? [{
          id: entry.id,
          roleArn: entry.roleArn,
          ...(entry.remediationRoleArn ? { remediationRoleArn: entry.remediationRoleArn } : {}),
          ...(entry.externalId ? { externalId: entry.externalId } : {}),
          ...(entry.externalIdParameter ? { externalIdParameter: entry.externalIdParameter } : {}),
        }]
      : [],
  );
}
