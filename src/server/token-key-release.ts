import type { KeyService } from "../vault/key-service.js";

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Destroys the token keys that purges released (docs/hsm.md), after a purge request and in each background round.
 * A purge has already succeeded when this runs, so nothing here fails it: a key its token cannot destroy now is
 * reported (by its reference only) and stays recorded for the next round.
 */
export async function destroyReleasedTokenKeys(keys: KeyService, warn: (message: string) => void): Promise<void> {
  try {
    await keys.destroyReleasedKeys((reference, error) =>
      warn(`the purged key ${reference} could not be destroyed in its HSM yet: ${reason(error)}`),
    );
  } catch (error) {
    warn(`purged HSM keys could not be read from the store: ${reason(error)}`);
  }
}
