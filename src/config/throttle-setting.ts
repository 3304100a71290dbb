import { z } from "zod";

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

/** What each category counts, as the README's table of settings says it. */
const COUNTS: Record<ThrottleCategory, string> = {
  createKey: "requests that make a key (create, rotate, certificate create)",
  keyTransactions: "other key requests (get, sign, list, …)",
  createSecretOrImport: "secret sets and key or certificate imports",
  allOther: "every other request (secret gets, lists, certificates, …)",
};

/** Requests per window by category in one scope; a category left out is not limited there. */
const categoryLimits = (scope: string) =>
  z
    .strictObject(
      Object.fromEntries(
        THROTTLE_CATEGORIES.map((category) => [
          category,
          z
            .int()
            .min(1)
            .max(10_000_000)
            .optional()
            .meta({ description: `Requests per window ${scope}: ${COUNTS[category]}; not limited if left out` }),
        ]),
      ) as Record<ThrottleCategory, z.ZodOptional<z.ZodInt>>,
    )
    .default({});

/** `"azure"`, `"off"`, or limits of one's own: the `throttle` setting of the config file and `keyhold dev --throttle FILE`. */
export const throttleSettingSchema = z
  .union([
    z.enum(["azure", "off"]),
    z.strictObject({
      windowSeconds: z.int().min(1).max(3600).default(10).meta({ description: "The window requests are counted over, in seconds" }),
      perVault: categoryLimits("per vault"),
      perCaller: categoryLimits("per caller (principal), across vaults"),
      server: categoryLimits("across all vaults of the server"),
    }),
  ])
  .default("off")
  .meta({
    expected: '`"azure"`, `"off"` or an object of limits',
    description:
      "Data-plane throttling: `azure` answers 429 past Azure Key Vault's limits per vault per 10 s (docs/throttling.md), `off` never",
  });

export type ThrottleSetting = z.output<typeof throttleSettingSchema>;

/** The limits a setting stands for, or null when it turns throttling off. */
export function throttleLimitsOf(setting: ThrottleSetting): ThrottleLimits | null {
  if (setting === "off") return null;
  return setting === "azure" ? AZURE_THROTTLE_LIMITS : setting;
}
