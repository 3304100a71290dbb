import type { Client } from "./client.js";

/**
 * List latency: walk every page of GET /secrets (maxresults=25) once to find the last page's link, then
 * request the first and the last page alternately, one request at a time, and report p50/p99 of each.
 */
export interface Latency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export interface PageLatency {
  /** Pages and items walked; the whole list unless the walk ran out of time. */
  pages: number;
  items: number;
  walkMs: number;
  /** False when the walk stopped at its time budget: "last page" is then the deepest page reached. */
  reachedEnd: boolean;
  firstPage: Latency;
  lastPage: Latency;
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  return { samples: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

interface ListPage {
  value: unknown[];
  nextLink: string | null;
}

const FIRST_PAGE = "/secrets?maxresults=25";

/**
 * The walk is bounded by `walkBudgetMs`: when page latency grows with the position, walking 1,000,000 secrets
 * 25 at a time could take hours, so the walk stops there and measures the deepest page it reached.
 */
export async function measurePages(client: Client, samples: number, walkBudgetMs: number): Promise<PageLatency> {
  const started = performance.now();
  let path = FIRST_PAGE;
  let deepest = FIRST_PAGE;
  let pages = 0;
  let items = 0;
  let reachedEnd = false;
  while (performance.now() - started < walkBudgetMs) {
    const { json } = await client.vault<ListPage>("GET", path);
    deepest = path;
    pages++;
    items += json.value.length;
    if (json.nextLink === null) {
      reachedEnd = true;
      break;
    }
    const next = new URL(json.nextLink);
    path = `${next.pathname}${next.search}`;
  }
  path = deepest;
  const walkMs = performance.now() - started;
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < samples; i++) {
    first.push((await client.vault("GET", FIRST_PAGE)).ms);
    last.push((await client.vault("GET", path)).ms);
  }
  return { pages, items, walkMs, reachedEnd, firstPage: latency(first), lastPage: latency(last) };
}
