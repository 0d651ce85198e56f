// SSM JSON 1.1, just GetParameter/GetParameters: enough to read the public AMI release parameters and the SecureString
// parameters that hold member accounts' external ids (their value given only WithDecryption, as SSM does).

import { createHash } from "node:crypto";

export interface JsonReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly errorType?: string;
}

function parameterName(name: string): string {
  // Accept an ARN (arn:aws:ssm:<region>::parameter/aws/service/...) as SSM does.
  const fromArn = /^arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(name);
  return fromArn ? fromArn[1]! : name;
}

/** What SSM gives for a SecureString read without decryption: its ciphertext (here a stand-in that hides the value). */
const sealed = (value: string): string => `AQICAH${createHash("sha256").update(value).digest("base64")}`;

function describeParameter(name: string, value: string, secure: boolean, decrypt: boolean, region: string, lastModified: Date): Record<string, unknown> {
  return {
    Name: name,
    Type: secure ? "SecureString" : "String",
    Value: secure && !decrypt ? sealed(value) : value,
    Version: 1,
    LastModifiedDate: lastModified.getTime() / 1000,
    ARN: `arn:aws:ssm:${region}::parameter${name}`,
    DataType: "text",
  };
}

const error = (errorType: string, message: string, status = 400): JsonReply => ({ status, errorType, body: { __type: errorType, message } });

export function handleSsm(operation: string, input: Record<string, unknown>, parameters: ReadonlyMap<string, string>, region: string, now: Date, secureStrings: ReadonlyMap<string, string> = new Map()): JsonReply {
  const decrypt = input["WithDecryption"] === true;
  const lookup = (name: string): { value: string; secure: boolean } | undefined => {
    const secret = secureStrings.get(name);
    if (secret !== undefined) return { value: secret, secure: true };
    const value = parameters.get(name);
    return value === undefined ? undefined : { value, secure: false };
  };
  switch (operation) {
    case "GetParameter": {
      if (typeof input["Name"] !== "string") return error("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
      const name = parameterName(input["Name"]);
      const found = lookup(name);
      if (found === undefined) return error("ParameterNotFound", "");
      return { status: 200, body: { Parameter: describeParameter(name, found.value, found.secure, decrypt, region, now) } };
    }
    case "GetParameters": {
      const names = input["Names"];
      if (!Array.isArray(names) || names.length === 0) return error("ValidationException", "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null");
      if (names.length > 10) return error("ValidationException", `1 validation error detected: Value '[${names.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`);
      const found: Record<string, unknown>[] = [];
      const invalid: string[] = [];
      for (const raw of names) {
        const name = parameterName(String(raw));
        const parameter = lookup(name);
        if (parameter === undefined) invalid.push(String(raw));
        else found.push(describeParameter(name, parameter.value, parameter.secure, decrypt, region, now));
      }
      return { status: 200, body: { Parameters: found, InvalidParameters: invalid } };
    }
    default:
      return error("UnknownOperationException", `The simulator does not implement SSM ${operation}.`);
  }
}
