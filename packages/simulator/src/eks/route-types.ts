export type MemberLocation = "uri" | "querystring" | "header" | "body";

export interface MemberSpec {
  readonly name: string;
  readonly location: string;
  /** The name on the wire: the URI label or query key for uri/querystring members, the JSON key for body members. */
  readonly wireName: string;
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

export interface OperationSpec {
  readonly operation: string;
  readonly method: string;
  readonly uri: string;
  readonly required: readonly string[];
  readonly members: readonly MemberSpec[];
  readonly errors: readonly string[];
}
