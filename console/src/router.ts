import { useEffect, useState } from "preact/hooks";

/** The console's place, from the address's hash: `#/vaults/NAME/secrets/SECRET` → ["vaults", "NAME", "secrets", "SECRET"]. */
export type Route = readonly string[];

export function currentRoute(): Route {
  return location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
}

/** The hash link to a place; each part is encoded, so names with any character stay one part. */
export function href(...parts: readonly string[]): string {
  return `#/${parts.map((part) => encodeURIComponent(part)).join("/")}`;
}

export function navigate(...parts: readonly string[]): void {
  location.hash = href(...parts);
}

/** The current route, re-rendering on every change of the hash. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}
