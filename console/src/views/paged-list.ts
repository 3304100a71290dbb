import { useCallback, useEffect, useState } from "preact/hooks";
import { useConsole } from "../context.js";

/** A Key Vault listing page: its items and the link to the next. */
export interface Page<T> {
  value: T[];
  nextLink?: string | null;
}

export interface Listing<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  /** Whether another page exists. */
  more: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** A listing read a page at a time, following `nextLink` when the user asks for more. */
export function usePagedList<T>(first: () => Promise<Page<T>>, deps: readonly unknown[]): Listing<T> {
  const { api } = useConsole();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(null);
    first().then(
      (page) => {
        if (!current) return;
        setItems(page.value);
        setNext(page.nextLink ?? null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setItems([]);
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const loadMore = useCallback(() => {
    if (!next) return;
    setLoading(true);
    api.next<Page<T>>(next).then(
      (page) => {
        setItems((held) => [...held, ...page.value]);
        setNext(page.nextLink ?? null);
        setLoading(false);
      },
      (failure: unknown) => {
        setError(failure);
        setLoading(false);
      },
    );
  }, [next, api]);
  return { items, loading, error, more: next !== null, loadMore, reload: useCallback(() => setRound((r) => r + 1), []) };
}
