// Typed reading of body fields. A bad field is a value (FieldError) naming the field, which the
// node turns into a malformed-request reply; nothing here throws.

import { err, ok, type Result } from '../base/result.js';
import type { JsonValue } from '../base/json.js';
import type { Body } from './message.js';

export interface FieldError {
  readonly field: string;
  readonly problem: string;
}

export function describeFieldError(error: FieldError): string {
  return `field "${error.field}" ${error.problem}`;
}

export type FieldResult<T> = Result<T, FieldError>;

export function requireValue(body: Body, field: string): FieldResult<JsonValue> {
  const value = body[field];
  return value === undefined ? err({ field, problem: 'is missing' }) : ok(value);
}

export function requireString(body: Body, field: string): FieldResult<string> {
  const value = body[field];
  if (value === undefined) return err({ field, problem: 'is missing' });
  return typeof value === 'string' ? ok(value) : err({ field, problem: 'must be a string' });
}

export function requireStringList(body: Body, field: string): FieldResult<string[]> {
  const value = body[field];
  if (value === undefined) return err({ field, problem: 'is missing' });
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    return err({ field, problem: 'must be a list of strings' });
  }
  return ok(value as string[]);
}

export function optionalBoolean(body: Body, field: string): FieldResult<boolean | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return ok(undefined);
  return typeof value === 'boolean' ? ok(value) : err({ field, problem: 'must be a boolean' });
}

export function optionalNonNegativeInteger(body: Body, field: string): FieldResult<number | undefined> {
  const value = body[field];
  if (value === undefined || value === null) return ok(undefined);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? ok(value) : err({ field, problem: 'must be a non-negative integer' });
}
