// The Security Hub adapter: BatchImportFindings, the only code that calls @aws-sdk/client-securityhub. At most 100
// findings a call (Security Hub's limit); a finding Security Hub refuses for a passing reason (its FailedFindings
// with a throttling or internal code) is sent again, a few times; what is still refused is thrown as
// FindingsNotImported naming each Id and code, with the findings themselves, so the caller keeps exactly those.
// The client is loaded on first use (deferred/README.md), one per region.

import type { AwsSecurityFinding, SecurityHubClient, SecurityHubClientConfig } from "@aws-sdk/client-securityhub";
import { FindingsNotImported } from "../errors.ts";
import type { AsffFinding } from "../securityhub/finding.ts";
import type { FindingsImporter } from "../securityhub/export.ts";
import { clientConfig } from "./client-config.ts";
import { RegionalClients } from "./regional-clients.ts";
import { THROTTLING_ERRORS, translateSdkError } from "./sdk-errors.ts";

/** Security Hub's limit of findings per BatchImportFindings. */
export const MAX_FINDINGS_PER_IMPORT = 100;

/** FailedFindings error codes worth sending again: Security Hub was busy or failed, not the finding. */
export function transientImportError(code: string): boolean {
  return THROTTLING_ERRORS.has(code) || /throttl|internal|unavailable|limitexceeded|timeout|toomanyrequests/i.test(code);
}

export interface SecurityHubImporterOptions {
  /** A test's or the local system's client for a region; otherwise one is created per region on first use. */
  readonly clientFor?: (region: string) => SecurityHubClient;
  readonly clientConfig?: SecurityHubClientConfig;
  /** Rounds of FailedFindings with a transient code sent again before they are reported (default 2). */
  readonly transientRetries?: number;
  /** Wait before a round sent again, in ms (default 200 x the round). */
  readonly backoffMs?: (round: number) => number;
  /** Told of every call (the benchmark's and the local run's count of calls and bytes). */
  readonly onImport?: (region: string, findings: readonly AsffFinding[]) => void;
}

export class SecurityHubImporter implements FindingsImporter {
  readonly #options: SecurityHubImporterOptions;
  #clients: RegionalClients<SecurityHubClient> | undefined;

  constructor(options: SecurityHubImporterOptions = {}) {
    this.#options = options;
  }

  async #client(region: string): Promise<{ client: SecurityHubClient; Command: typeof import("@aws-sdk/client-securityhub").BatchImportFindingsCommand }> {
    const { BatchImportFindingsCommand, SecurityHubClient: Client } = await import("./deferred/securityhub.ts");
    this.#clients ??= new RegionalClients<SecurityHubClient>((region) => new Client({ ...clientConfig(), ...this.#options.clientConfig, region }), this.#options.clientFor);
    return { client: this.#clients.get(region), Command: BatchImportFindingsCommand };
  }

  async importFindings(region: string, findings: readonly AsffFinding[]): Promise<void> {
    const failures: { id: string; code: string; message: string }[] = [];
    const unsent: AsffFinding[] = [];
    let firstError: unknown;
    for (let start = 0; start < findings.length; start += MAX_FINDINGS_PER_IMPORT) {
      const batch = findings.slice(start, start + MAX_FINDINGS_PER_IMPORT);
      try {
        const refused = await this.#importBatch(region, batch);
        for (const { finding, code, message } of refused) {
          failures.push({ id: finding.Id, code, message });
          unsent.push(finding);
        }
      } catch (error) {
        // The call itself failed (after the SDK's own retries): the whole batch is still to send.
        firstError ??= error;
        unsent.push(...batch);
        for (const finding of batch) failures.push({ id: finding.Id, code: (error as Error).name, message: (error as Error).message });
      }
    }
    if (unsent.length === 0) return;
    if (firstError !== undefined && failures.length === unsent.length && unsent.length === findings.length) {
      // Nothing was imported: the typed SDK error is the news, its findings go back with it.
      throw Object.assign(firstError as Error, { unsent });
    }
    throw new FindingsNotImported(region, failures, unsent, firstError !== undefined ? { cause: firstError } : undefined);
  }

  /** One batch, its transiently refused findings sent again; returns what Security Hub still refuses. */
  async #importBatch(region: string, batch: readonly AsffFinding[]): Promise<{ finding: AsffFinding; code: string; message: string }[]> {
    const { client, Command } = await this.#client(region);
    const rounds = this.#options.transientRetries ?? 2;
    let pending = [...batch];
    for (let round = 0; ; round += 1) {
      this.#options.onImport?.(region, pending);
      let output;
      try {
        output = await client.send(new Command({ Findings: pending as unknown as AwsSecurityFinding[] }));
      } catch (error) {
        throw translateSdkError("SecurityHub", "BatchImportFindings", error);
      }
      const refused = (output?.FailedFindings ?? []).map((failed) => ({
        finding: pending.find((finding) => finding.Id === failed.Id),
        code: failed.ErrorCode ?? "Unknown",
        message: failed.ErrorMessage ?? "",
      }));
      // A refusal naming no finding that was sent still counts: the batch is not known imported.
      const unknown = refused.filter((failure) => failure.finding === undefined);
      if (unknown.length > 0) return pending.map((finding) => ({ finding, code: unknown[0]!.code, message: `Security Hub refused an Id not sent (${unknown[0]!.message})` }));
      const known = refused as { finding: AsffFinding; code: string; message: string }[];
      if (known.length === 0) return [];
      if (round >= rounds || !known.every((failure) => transientImportError(failure.code))) return known;
      await new Promise((resolve) => setTimeout(resolve, this.#options.backoffMs?.(round + 1) ?? 200 * (round + 1)));
      pending = known.map((failure) => failure.finding);
    }
  }

  destroy(): void {
    this.#clients?.destroy();
  }
}
