import { badParameter } from "../../errors/key-vault-error.js";

/** Checks on untrusted JSON, each failing with Azure's BadParameter and the field's wire name. */
export type Json = Record<string, unknown>;

export function asObject(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badParameter(`${field} must be a JSON object.`);
  }
  return value as Json;
}

export function optionalObject(value: unknown, field: string): Json | undefined {
  return value === undefined || value === null ? undefined : asObject(value, field);
}

export function requiredString(value: unknown, field: string): string {
  if (typeof value !== "string") throw badParameter(`The parameter '${field}' is required and must be a string.`);
  return value;
}

/** undefined when absent, null when explicitly null (clears the field), else the string. */
export function optionalString(value: unknown, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== "string") throw badParameter(`The parameter '${field}' must be a string.`);
  return value;
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badParameter(`The parameter '${field}' must be a boolean.`);
  return value;
}

/** Epoch seconds as Azure sends them (nbf, exp). */
export function optionalEpoch(value: unknown, field: string): number | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 253_402_300_799) {
    throw badParameter(`The parameter '${field}' must be a time in seconds since 1970-01-01.`);
  }
  return Math.floor(value);
}

export function optionalTags(value: unknown): Record<string, string> | null | undefined {
  if (value === undefined || value === null) return value;
  const tags = asObject(value, "tags");
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== "string") throw badParameter(`The value of tag '${k}' must be a string.`);
  }
  return tags as Record<string, string>;
}

export function base64urlBytes(value: unknown, field: string): Buffer {
  const text = requiredString(value, field);
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw badParameter(`The parameter '${field}' must be base64url encoded.`);
  return Buffer.from(text, "base64url");
}

export function optionalStringArray(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw badParameter(`The parameter '${field}' must be an array of strings.`);
  }
  return value as string[];
}

/**
 * One query parameter: absent or a single string. The query parser makes a repeated name (`?a=1&a=2`) an
 * array, which no handler expects a string to be.
 */
export function optionalQueryString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badParameter(`The query parameter '${name}' must be given once.`);
  return value;
}
