// Cold-start configuration of the dead-letter function: which dead-letter queue is which (SQS records name their queue
// by ARN) and the archive each one's letters are kept in, from the environment the stack sets. A missing variable
// fails the cold start naming it.

import { SqsDeadLetterArchive } from "@eks-warden/core/aws";
import { FUNCTION_ENV } from "@eks-warden/core/deployment";
import type { DeadLetterSource } from "@eks-warden/core/voice";
import { ConfigurationError } from "./runtime.ts";

export interface DeadLetterRoute {
  readonly source: DeadLetterSource;
  readonly archive: SqsDeadLetterArchive;
  /** The archive's queue name (the last part of its URL), for the alert. */
  readonly archiveName: string;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is missing: expected ${what} (the stack sets it)`);
  return value;
}

/** Dead-letter queue ARN -> its source and archive. */
export function deadLetterRoutesFromEnvironment(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, DeadLetterRoute> {
  const route = (source: DeadLetterSource, queueArnVariable: string, archiveUrlVariable: string): [string, DeadLetterRoute] => {
    const archiveUrl = required(env, archiveUrlVariable, `the URL of the ${source} dead-letter archive queue`);
    return [
      required(env, queueArnVariable, `the ARN of the ${source} dead-letter queue`),
      { source, archive: new SqsDeadLetterArchive({ queueUrl: archiveUrl }), archiveName: archiveUrl.slice(archiveUrl.lastIndexOf("/") + 1) },
    ];
  };
  return new Map([
    route("cluster-event", FUNCTION_ENV.clusterEventDeadLetterQueueArn, FUNCTION_ENV.clusterEventDeadLetterArchiveUrl),
    route("settle", FUNCTION_ENV.settleDeadLetterQueueArn, FUNCTION_ENV.settleDeadLetterArchiveUrl),
  ]);
}

export function lazyDeadLetterRoutes(): () => ReadonlyMap<string, DeadLetterRoute> {
  let routes: ReadonlyMap<string, DeadLetterRoute> | undefined;
  return () => (routes ??= deadLetterRoutesFromEnvironment());
}
