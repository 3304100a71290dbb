import { badParameter, missingApiVersion, unknownApiVersion } from "../vault/errors.js";

/** The data-plane versions the official clients send (WIRING.md §6): `serviceVersion` 7.0–7.6 and the default. */
export const LATEST_API_VERSION = "2025-07-01";
const SUPPORTED = new Set(["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", LATEST_API_VERSION]);

export function checkApiVersion(value: unknown): string {
  if (Array.isArray(value)) throw badParameter("The api-version query parameter must be given once.");
  if (typeof value !== "string" || value === "") throw missingApiVersion();
  if (!SUPPORTED.has(value)) throw unknownApiVersion(value, LATEST_API_VERSION);
  return value;
}
