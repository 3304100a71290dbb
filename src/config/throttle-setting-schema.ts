import { z } from "zod";
import { THROTTLE_CATEGORIES, type ThrottleCategory } from "./throttle-setting.js";

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
