// STS in the query protocol (form-encoded POST, XML reply): GetCallerIdentity and AssumeRole, enough for the
// SDK's credential chain and for cross-account access into the simulated accounts.

import type { IdentityDirectory, ResolvedCaller } from "./identity.ts";

export interface XmlReply {
  readonly status: number;
  readonly body: string;
  readonly errorType?: string;
}

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

export function stsError(code: string, message: string, requestId: string, status = 400): XmlReply {
  const type = status >= 500 ? "Receiver" : "Sender";
  return {
    status,
    errorType: code,
    body: `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function ok(action: string, result: string, requestId: string): XmlReply {
  return {
    status: 200,
    body: `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function handleSts(form: URLSearchParams, caller: ResolvedCaller, identities: IdentityDirectory, requestId: string, realNow: Date, sourceIPAddress?: string): XmlReply {
  const action = form.get("Action") ?? "";
  switch (action) {
    case "GetCallerIdentity": {
      const identity = caller.identity;
      return ok(action, `<Arn>${escapeXml(identity.arn)}</Arn><UserId>${escapeXml(identity.principalId)}</UserId><Account>${identity.accountId}</Account>`, requestId);
    }
    case "AssumeRole": {
      const roleArn = form.get("RoleArn");
      const sessionName = form.get("RoleSessionName");
      if (!roleArn || !sessionName) return stsError("ValidationError", `1 validation error detected: Value null at '${roleArn ? "roleSessionName" : "roleArn"}' failed to satisfy constraint: Member must not be null`, requestId);
      const duration = Number(form.get("DurationSeconds") ?? 3600);
      if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) return stsError("ValidationError", `1 validation error detected: Value '${form.get("DurationSeconds")}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`, requestId);
      // IAM says only this much, whatever the reason (a missing role, a trust policy or external id that does not match).
      if (identities.assumeRoleRefusal(roleArn, form.get("ExternalId") ?? undefined) !== undefined) {
        return stsError("AccessDenied", `User: ${caller.identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, requestId, 403);
      }
      let session: ReturnType<IdentityDirectory["issueRoleSession"]>;
      try {
        session = identities.issueRoleSession(roleArn, sessionName, sourceIPAddress);
      } catch (cause) {
        return stsError("ValidationError", (cause as Error).message, requestId);
      }
      // Expiration is checked by the SDK against the real clock, not the simulator's virtual one.
      const expiration = new Date(realNow.getTime() + duration * 1000).toISOString();
      return ok(
        action,
        `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(session.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>${escapeXml(session.assumedRoleId)}</AssumedRoleId><Arn>${escapeXml(session.assumedRoleArn)}</Arn></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>`,
        requestId,
      );
    }
    default:
      return stsError("InvalidAction", `Could not find operation ${action} for version ${form.get("Version") ?? "(none)"}`, requestId);
  }
}
