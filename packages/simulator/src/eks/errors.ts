/** An EKS error reply: the type goes into header x-amzn-ErrorType, so the SDK raises the matching exception class. */
export class EksApiError extends Error {
  readonly type: string;
  readonly status: number;
  /** Extra members of the error shape (clusterName, nodegroupName, addonName), echoed in the body. */
  readonly fields: Readonly<Record<string, string>>;

  constructor(type: string, status: number, message: string, fields: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
    this.fields = fields;
  }
}

type Fields = Readonly<Record<string, string>>;

export const invalidParameter = (message: string, fields?: Fields) => new EksApiError("InvalidParameterException", 400, message, fields);
export const invalidRequest = (message: string, fields?: Fields) => new EksApiError("InvalidRequestException", 400, message, fields);
export const resourceInUse = (message: string, fields?: Fields) => new EksApiError("ResourceInUseException", 409, message, fields);
export const resourceNotFound = (message: string, fields?: Fields) => new EksApiError("ResourceNotFoundException", 404, message, fields);
export const badRequest = (message: string) => new EksApiError("BadRequestException", 400, message);
export const notFound = (message: string) => new EksApiError("NotFoundException", 404, message);
