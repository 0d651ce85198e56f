import { WardenError } from "@eks-warden/core";

/** An embedded endpoint (DynamoDB Local, the SNS/SQS emulator) could not be started or did not become ready. */
export class EmbeddedStartError extends WardenError {}

/** DynamoDB Local is a Java program: without a Java 17+ runtime the local stack cannot run. */
export class JavaNotFoundError extends EmbeddedStartError {}
