/** Placeholder until the view is built. */
export function CertificatesView({ vaultName, route }: { vaultName: string; route: readonly string[] }) {
  return (
    <p>
      {vaultName} {route.join("/")}
    </p>
  );
}
