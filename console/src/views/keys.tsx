/** Placeholder until the view is built. */
export function KeysView({ vaultName, route }: { vaultName: string; route: readonly string[] }) {
  return (
    <p>
      {vaultName} {route.join("/")}
    </p>
  );
}
