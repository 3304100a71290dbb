import type { Me } from "../me.js";

/** Placeholder until the view is built. */
export function AccessView({ vaultName, me }: { vaultName: string; me: Me }) {
  return (
    <p>
      {vaultName} {me.id}
    </p>
  );
}
