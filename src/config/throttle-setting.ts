/**
 * The kinds of data-plane request Azure Key Vault limits separately (docs/throttling.md has which operation is in
 * which): creating keys, the other key transactions, creating secrets or importing keys and certificates (one
 * limit for the three), and every other transaction.
 */
export const THROTTLE_CATEGORIES = ["createKey", "keyTransactions", "createSecretOrImport", "allOther"] as const;
export type ThrottleCategory = (typeof THROTTLE_CATEGORIES)[number];

export type CategoryLimits = Partial<Record<ThrottleCategory, number>>;

/** Requests counted in one window; a category without a limit is not limited in that scope. */
export interface ThrottleLimits {
  windowSeconds: number;
  perVault: CategoryLimits;
  perCaller: CategoryLimits;
  /** Across every vault of the server: Azure's limit per subscription. */
  server: CategoryLimits;
}

/**
 * Azure's numbers per vault per 10 seconds for software keys of the cheapest kind (RSA 2048, EC): Keyhold does
 * not know a key's type before it is loaded, so it charges every key as that kind. Azure limits a subscription to
 * five times a vault's limit; a Keyhold server is one subscription.
 */
const AZURE_PER_VAULT: Required<CategoryLimits> = { createKey: 20, keyTransactions: 4000, createSecretOrImport: 300, allOther: 4000 };
const SUBSCRIPTION_FACTOR = 5;

export const AZURE_THROTTLE_LIMITS: ThrottleLimits = Object.freeze({
  windowSeconds: 10,
  perVault: AZURE_PER_VAULT,
  perCaller: {},
  server: Object.fromEntries(THROTTLE_CATEGORIES.map((c) => [c, AZURE_PER_VAULT[c] * SUBSCRIPTION_FACTOR])),
});

/** `"azure"`, `"off"`, or limits of one's own (throttle-setting-schema.ts reads them from a config or a file). */
export type ThrottleSetting = "azure" | "off" | ThrottleLimits;

/** The limits a setting stands for, or null when it turns throttling off. */
export function throttleLimitsOf(setting: ThrottleSetting): ThrottleLimits | null {
  if (setting === "off") return null;
  return setting === "azure" ? AZURE_THROTTLE_LIMITS : setting;
}
