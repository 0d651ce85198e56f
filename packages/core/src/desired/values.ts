// Reading typed settings out of a parsed desired-state file: a wrong type is a DesiredStateError at the setting's
// line and column, naming the setting and what was expected.

import { isRecord, show } from "../snapshot/forms.ts";
import { DesiredStateError, type ParsedDocument, type Position } from "./document.ts";

export type JsonObject = Record<string, unknown>;
export { isRecord };

export class Reader {
  constructor(readonly document: ParsedDocument) {}

  get file(): string {
    return this.document.file;
  }

  /** Where `member` of `parent` is declared (or `parent` itself); the file's start when nothing is known. */
  at(parent: unknown, member?: string | number): Position {
    return this.document.positionOf(parent, member) ?? this.document.positionOf(parent) ?? { line: 1, column: 1 };
  }

  fail(parent: unknown, member: string | number | undefined, problem: string): never {
    throw new DesiredStateError(this.file, this.at(parent, member), problem);
  }

  /** `parent[key]` when it is an object; undefined when absent or null; an error naming `name` otherwise. */
  object(parent: JsonObject, key: string, name: string): JsonObject | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) this.fail(parent, key, `${name}: expected an object, got ${show(value)}`);
    return value;
  }

  array(parent: JsonObject, key: string, name: string): unknown[] | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.fail(parent, key, `${name}: expected a list, got ${show(value)}`);
    return value;
  }

  string(parent: JsonObject, key: string, name: string): string | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.fail(parent, key, `${name}: expected text, got ${show(value)}`);
    return value;
  }

  boolean(parent: JsonObject, key: string, name: string): boolean | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") this.fail(parent, key, `${name}: expected true or false, got ${show(value)}`);
    return value;
  }

  strings(parent: JsonObject, key: string, name: string): string[] | undefined {
    const list = this.array(parent, key, name);
    if (list === undefined) return undefined;
    return list.map((item, index) => {
      if (typeof item !== "string") this.fail(list, index, `${name}[${index}]: expected text, got ${show(item)}`);
      return item;
    });
  }
}
