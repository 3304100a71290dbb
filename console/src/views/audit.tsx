/** Placeholder until the view is built. */
export function AuditView() {
  return <p>Audit</p>;
}
