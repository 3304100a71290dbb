import { type ComponentChildren, cloneElement, isValidElement } from "preact";
import { useCallback, useEffect, useId, useState } from "preact/hooks";
import { ApiError } from "./api.js";

/**
 * What went wrong, said as such: a 403 names the permission the caller lacks (Key Vault's message does), and no
 * failure ever leaves a blank page.
 */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const forbidden = error instanceof ApiError && error.status === 403;
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "An unexpected error happened.";
  return (
    <div class="notice error" role="alert">
      <strong>{forbidden ? "You do not have permission to do this." : "Something went wrong."}</strong> {message}
      {error instanceof ApiError ? <span class="muted"> ({error.code})</span> : null}
    </div>
  );
}

/** Data loaded for a view, with its error and a way to load it again after a change. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | null; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ data: s.data, error: null }));
    load().then(
      (data) => current && setState({ data, error: null }),
      (error: unknown) => current && setState({ data: null, error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { ...state, reload: useCallback(() => setRound((r) => r + 1), []) };
}

/** An action's state: running, and its error, for a button that must say what happened. */
export function useAction(): { busy: boolean; error: unknown; run: (work: () => Promise<void>) => Promise<void>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

/**
 * A labelled field: the label's text alone is the control's accessible name (a select's chosen option is not part of
 * it, as it would be were the control inside the label), and the hint describes the control.
 */
export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const single = isValidElement(children);
  return (
    <div class="field">
      {single ? (
        <>
          <label for={id}>{label}</label>
          {cloneElement(children, { id, "aria-describedby": hintId })}
        </>
      ) : (
        <label>
          {label}
          {children}
        </label>
      )}
      {hint ? (
        <small class="muted" id={hintId}>
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** Epoch seconds as the browser's local date and time; empty for none. */
export function when(epochSeconds: number | null | undefined): string {
  return epochSeconds ? new Date(epochSeconds * 1000).toLocaleString() : "";
}

/** The last part of a Key Vault id (`…/secrets/NAME/VERSION` → VERSION). */
export function lastPart(id: string): string {
  return id.split("/").filter(Boolean).pop() ?? "";
}

/** Tags as `key=value` lines, and back. */
export function tagsText(tags: Record<string, string> | null | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`A tag must read key=value: '${trimmed}'.`);
    tags[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return tags;
}

/** Saves text as a file the browser downloads. */
export function download(fileName: string, content: string | Uint8Array<ArrayBuffer>, type = "application/octet-stream"): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
