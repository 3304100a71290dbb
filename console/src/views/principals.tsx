/** Placeholder until the view is built. */
export function PrincipalsView() {
  return <p>Principals</p>;
}
