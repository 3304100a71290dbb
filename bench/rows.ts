import type { CeilingResult } from "./crypto-ceilings.js";
import type { LoadResult } from "./load.js";
import type { PageLatency } from "./pages.js";
import { type Row, mb, ms, num, ratio } from "./report.js";
import type { StoreSize } from "./seed.js";
import type { ColdStart } from "./server.js";
import type { Workload } from "./workloads.js";
import type { Generator } from "./wrk-load.js";

/** The bare HTTPS server's figures, by generator and connection count. */
export type Baselines = Record<Generator, Record<number, LoadResult>>;

/** Turns the raw figures into the table's rows: one per workload and connection count, then the rest. */
export interface ScalePoint {
  /** Bulk-seeded secrets (the vault also holds the bench's own few hundred). */
  nominal: number;
  secretGet32: LoadResult;
  pages: PageLatency;
  rssBytes: number | null;
}

export interface Figures {
  workloads: Workload[];
  connections: readonly number[];
  results: Record<string, Record<number, LoadResult>>;
  baseline: Baselines;
  ceilings: { rs256: CeilingResult; oaep256: CeilingResult };
  coldStartMedianMs: { fresh: ColdStart; existing: ColdStart };
  rssIdleBytes: number | null;
  /** The store files just before and just after seeding from 1,000 to 100,000 secrets (both checkpointed). */
  storeBefore100k: StoreSize;
  storeAt100k: StoreSize;
  seededTo100k: number;
  /** 1k, 100k and, with BENCH_FULL=1, 1M. */
  scale: ScalePoint[];
}

export const loadFailures = (r: LoadResult): number => r.errors + r.timeouts + r.non2xx + r.warmupErrors + r.warmupNon2xx;

const MIB = 2 ** 20;
const info = (workload: string, keyhold: string, target = "", met: boolean | null = null): Row => ({
  workload,
  keyhold,
  baseline: "—",
  ratio: "",
  target,
  met,
  errors: null,
});

/** wrk's own CPU while it drove the bare server: well under 1.0 (one core), it was not what limited the baseline. */
const generatorCpu = (r: LoadResult): string =>
  "generatorCpu" in r && typeof r.generatorCpu === "number" ? `, wrk CPU ${num(r.generatorCpu, 2)}` : "";

function loadRows(f: Figures): Row[] {
  return f.workloads.flatMap((w) =>
    f.connections.map((c): Row => {
      const r = f.results[w.id]![c]!;
      const https = f.baseline[w.generator][c]!;
      const base = w.baseline === "https" ? https.rps : f.ceilings[w.baseline].opsPerSec;
      const p99Target = c === 32 ? w.maxP99MsAt32 : undefined;
      const throughput = w.payloadBytes ? ` (${num((r.rps * w.payloadBytes) / 1e6, 1)} MB/s)` : "";
      return {
        workload: `${w.title}, ${c} conns (${w.generator})`,
        keyhold: `${num(r.rps)}/s${throughput}, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`,
        baseline: w.baseline === "https" ? `${num(base)} req/s (https${generatorCpu(https)})` : `${num(base)} ops/s (node:crypto)`,
        ratio: ratio(r.rps, base),
        target: `≥ ${w.minRatio.toFixed(2)}${p99Target !== undefined ? `, p99 ≤ ${p99Target} ms` : ""}`,
        met: r.rps / base >= w.minRatio && (p99Target === undefined || r.p99Ms <= p99Target),
        errors: loadFailures(r),
      };
    }),
  );
}

/** A start's wall time, with the CPU it had used by then (the steadier figure on a busy machine). */
const startTime = (start: ColdStart): string => (start.cpuMs === null ? ms(start.ms) : `${ms(start.ms)} (CPU ${ms(start.cpuMs)})`);

function otherRows(f: Figures): Row[] {
  const at100k = f.scale[1]!;
  const pages = at100k.pages;
  const last = pages.reachedEnd ? "last" : "deepest reached";
  const size = f.storeAt100k;
  const grown = size.dbBytes + size.walBytes - (f.storeBefore100k.dbBytes + f.storeBefore100k.walBytes);
  const { fresh, existing } = f.coldStartMedianMs;
  return [
    {
      workload: `list ${num(pages.items)}${pages.reachedEnd ? "" : "+"} secrets, page of 25`,
      keyhold: `p99 first ${ms(pages.firstPage.p99Ms)}, ${last} ${ms(pages.lastPage.p99Ms)}`,
      baseline: "—",
      ratio: `${ratio(pages.lastPage.p99Ms, pages.firstPage.p99Ms)} (last/first)`,
      target: "last ≤ 2× first",
      met: pages.lastPage.p99Ms <= 2 * pages.firstPage.p99Ms,
      errors: null,
    },
    info("cold start, fresh dir (median of 3)", startTime(fresh), "< 500 ms", fresh.ms < 500),
    info("cold start, existing dir, 100k secrets", startTime(existing), "< 400 ms", existing.ms < 400),
    info(
      "RSS idle",
      f.rssIdleBytes === null ? "n/a" : mb(f.rssIdleBytes),
      "< 150 MB",
      f.rssIdleBytes === null ? null : f.rssIdleBytes < 150 * MIB,
    ),
    info(
      "RSS after 100k secrets",
      at100k.rssBytes === null ? "n/a" : mb(at100k.rssBytes),
      "< 250 MB",
      at100k.rssBytes === null ? null : at100k.rssBytes < 250 * MIB,
    ),
    info(
      `store size per secret (${num(f.seededTo100k / 1000)}k seeded)`,
      `${num(grown / f.seededTo100k)} B (files at 100k: db ${mb(size.dbBytes)}, wal ${mb(size.walBytes)})`,
    ),
  ];
}

const size = (n: number): string => (n >= 1e6 ? `${num(n / 1e6)}M` : `${num(n / 1e3)}k`);

/**
 * How each figure changes per 10× more secrets (geometric mean over the decades measured). Where the page walk
 * stopped at its time budget, the "last page" is the deepest page reached, so its growth is a lower bound.
 */
function scaleRows(f: Figures): Row[] {
  const first = f.scale[0]!;
  const last = f.scale[f.scale.length - 1]!;
  const decades = Math.log10(last.nominal / first.nominal);
  const deepest = (p: ScalePoint) => (p.pages.reachedEnd ? "" : ` (deepest page reached: item ${num(p.pages.items)})`);
  const series: [string, (p: ScalePoint) => number, (n: number) => string, (p: ScalePoint) => string][] = [
    ["secret get req/s (32 conns)", (p) => p.secretGet32.rps, (n) => num(n), () => ""],
    ["secret get p50 (32 conns)", (p) => p.secretGet32.p50Ms, ms, () => ""],
    ["first page p50", (p) => p.pages.firstPage.p50Ms, ms, () => ""],
    ["last page p50", (p) => p.pages.lastPage.p50Ms, ms, deepest],
  ];
  return series.map(([name, figure, format, note]) => ({
    ...info(`scale: ${name}`, f.scale.map((p) => `${format(figure(p))} @${size(p.nominal)}${note(p)}`).join(", ")),
    ratio: `×${num((figure(last) / figure(first)) ** (1 / decades), 2)} per 10×${note(last) ? " (lower bound)" : ""}`,
  }));
}

export function tableRows(f: Figures): Row[] {
  return [...loadRows(f), ...otherRows(f), ...scaleRows(f)];
}
