import { WardenError } from "@eks-warden/core";

/** An embedded endpoint (DynamoDB Local, the SNS/SQS emulator) could not be started or did not become ready. */
export class EmbeddedStartError extends WardenError {}

/** DynamoDB Local is a Java program: without a Java 17+ runtime the local stack cannot run. */
export class JavaNotFoundError extends EmbeddedStartError {}

/** DynamoDB Local's Java process ended before it answered: `java` runs, but not as a working Java 17+ runtime. */
export class DynamoDbLocalExitedError extends EmbeddedStartError {
  constructor(
    readonly java: string,
    readonly output: string,
  ) {
    super(`DynamoDB Local: the Java process (${java}) exited before it was ready; its output:\n${output}`);
  }
}
