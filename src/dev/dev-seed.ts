import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { AppContext } from "../server/app-context.js";
import type { VaultRecord, VaultSku } from "../storage/records.js";
import { parseKeyCreate } from "../server/wire/key-wire.js";
import { parseSecretSet } from "../server/wire/secret-wire.js";
import { KeyVaultError } from "../errors/key-vault-error.js";

/**
 * `keyhold dev --seed FILE`: vaults, secrets and keys declared in a JSON or YAML file, made at every start
 * unless they exist (a restart changes nothing, random values included). Secrets are a value or the REST
 * SetSecret body; keys are the REST CreateKey body. Strings may hold placeholders: `${random:N}` (N random
 * bytes, base64url), `${uuid}`, `${env:NAME}`.
 *
 * A vault is standard unless it says `sku: premium` (needed for -HSM key types); a standard vault that exists
 * becomes premium when the seed says so.
 *
 *   vaults:
 *     - name: app-vault
 *       sku: premium
 *       secrets:
 *         db-password: "${random:24}"
 *         api-url: { value: "https://api.example.test", contentType: text/plain }
 *       keys:
 *         signer: { kty: EC, crv: P-256 }
 */
export class SeedError extends Error {
  constructor(where: string, message: string) {
    super(`seed ${where}: ${message}`);
    this.name = "SeedError";
  }
}

export interface SeedVault {
  name: string;
  enableRbacAuthorization?: boolean;
  sku?: VaultSku;
  secrets: Record<string, unknown>;
  keys: Record<string, unknown>;
}

function expand(value: unknown, where: string): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([^}]*)\}/g, (_match, placeholder: string) => {
      const [kind, arg] = placeholder.split(":", 2);
      if (kind === "uuid" && arg === undefined) return randomUUID();
      if (kind === "random" && arg && /^\d+$/.test(arg) && Number(arg) >= 1 && Number(arg) <= 1024) return randomBytes(Number(arg)).toString("base64url");
      if (kind === "env" && arg) {
        const env = process.env[arg];
        if (env === undefined) throw new SeedError(where, `\${env:${arg}} is not set`);
        return env;
      }
      throw new SeedError(where, `unknown placeholder \${${placeholder}} (use \${random:N}, \${uuid} or \${env:NAME})`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expand(v, `${where}[${i}]`));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, `${where}.${k}`)]));
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function readSeedFile(file: string): SeedVault[] {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new SeedError(file, `cannot read it as YAML or JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(document) || !Array.isArray(document.vaults)) throw new SeedError(file, "expected { vaults: [ … ] }");
  return document.vaults.map((vault, i) => {
    const where = `vaults[${i}]`;
    if (!isObject(vault) || typeof vault.name !== "string") throw new SeedError(where, "each vault needs a name");
    for (const field of ["secrets", "keys"] as const) {
      if (vault[field] !== undefined && !isObject(vault[field])) throw new SeedError(`${where}.${field}`, "expected a map of name → definition");
    }
    if (vault.enableRbacAuthorization !== undefined && typeof vault.enableRbacAuthorization !== "boolean") {
      throw new SeedError(`${where}.enableRbacAuthorization`, "expected true or false");
    }
    if (vault.sku !== undefined && vault.sku !== "standard" && vault.sku !== "premium") {
      throw new SeedError(`${where}.sku`, "expected standard or premium");
    }
    // Placeholders are checked now, before any server starts (their values are made only when used).
    expand({ secrets: vault.secrets ?? {}, keys: vault.keys ?? {} }, `vaults[${i}] (${vault.name})`);
    return {
      name: vault.name,
      ...(vault.enableRbacAuthorization !== undefined && { enableRbacAuthorization: vault.enableRbacAuthorization }),
      ...(vault.sku !== undefined && { sku: vault.sku }),
      secrets: (vault.secrets ?? {}) as Record<string, unknown>,
      keys: (vault.keys ?? {}) as Record<string, unknown>,
    };
  });
}

async function absent(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    if (error instanceof KeyVaultError && error.status === 404) return true;
    throw error;
  }
}

/**
 * The seed's vault, made unless it exists. An existing standard vault the seed calls premium is upgraded (never
 * the other way: a downgrade may be refused), so that the seed's -HSM keys can be made in it.
 */
async function seedVault(ctx: AppContext, entry: SeedVault, creatorId: string): Promise<VaultRecord> {
  const existing = await ctx.vaults.findOrRecover(entry.name);
  if (!existing) {
    return ctx.vaults.create(
      {
        name: entry.name,
        ...(entry.enableRbacAuthorization !== undefined && { enableRbacAuthorization: entry.enableRbacAuthorization }),
        ...(entry.sku !== undefined && { sku: entry.sku }),
      },
      creatorId,
    );
  }
  return entry.sku === "premium" && existing.sku !== "premium" ? ctx.vaults.update(existing.name, { sku: "premium" }) : existing;
}

/** Makes what the seed declares and does not exist yet; returns the vault names, for dev mode's grants. */
export async function applySeed(ctx: AppContext, seed: readonly SeedVault[], creatorId: string): Promise<{ vaults: string[]; created: number }> {
  let created = 0;
  for (const [i, entry] of seed.entries()) {
    const where = `vaults[${i}] (${entry.name})`;
    try {
      const vault = await seedVault(ctx, entry, creatorId);
      for (const [name, definition] of Object.entries(entry.secrets)) {
        if (!(await absent(() => ctx.secrets.get(vault, name, null)))) continue;
        const body = typeof definition === "string" ? { value: definition } : definition;
        await ctx.secrets.set(vault, name, parseSecretSet(expand(body, `${where}.secrets.${name}`)));
        created++;
      }
      for (const [name, definition] of Object.entries(entry.keys)) {
        if (!(await absent(() => ctx.keys.get(vault, name, null)))) continue;
        await ctx.keys.create(vault, name, parseKeyCreate(expand(definition, `${where}.keys.${name}`)));
        created++;
      }
    } catch (error) {
      if (error instanceof SeedError) throw error;
      throw new SeedError(where, error instanceof Error ? error.message : String(error));
    }
  }
  return { vaults: seed.map((s) => s.name), created };
}
