import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../src/dev/free-port.js";
import { cleanUp, installSignalHandlers, removeDir, stopChild, tempDir, track } from "./lifecycle.js";
import { PROJECT_ROOT, cpuMs, healthy, rssBytes } from "./server.js";

/**
 * `node dist/bench/cold-start.js [--runs N] [--cli BIN ...]`: how long `keyhold dev` takes to answer, on a fresh data
 * directory and on a restart of the same one, and its resident memory once idle. With several --cli (e.g. a copy of an
 * older build's bin/keyhold.js) the starts alternate between them run by run, so that the machine's load falls on each
 * alike; medians are printed per CLI.
 *
 * "answer" is the first 200 on /healthz (the bench's cold start); "ready" is the "ready at" line, after the dev
 * identities, vaults and env files are in place.
 */

interface Start {
  answerMs: number;
  /** CPU time (user + system, every thread) the process had used when it first answered: steadier than wall time on a busy machine. */
  answerCpuMs: number | null;
  readyMs: number;
  rssMb: number | null;
}

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    cli: { type: "string", multiple: true },
    "idle-ms": { type: "string", default: "1000" },
  },
});
const RUNS = Number(values.runs);
const IDLE_MS = Number(values["idle-ms"]);
const CLIS = (values.cli ?? [join(PROJECT_ROOT, "bin/keyhold.js")]).map((cli) => resolve(cli));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/** One start of `cli dev` on `dir`: times to the first 200 and to the ready line, then RSS after IDLE_MS of idling. */
async function startOnce(cli: string, dir: string, measureRss: boolean): Promise<Start> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child: ChildProcess = track(
    spawn(process.execPath, [cli, "dev", "--data-dir", dir, "--port", String(port), "--proxy-port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HTTPS_PROXY: "", https_proxy: "" },
    }),
  );
  let output = "";
  let readyMs: number | null = null;
  child.stdout!.on("data", (c: Buffer) => {
    output += c.toString();
    if (readyMs === null && output.includes("ready at https://")) readyMs = since(started);
  });
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  try {
    let answerMs: number | null = null;
    let answerCpuMs: number | null = null;
    while (answerMs === null) {
      if (child.exitCode !== null) throw new Error(`keyhold dev exited during the start:\n${output}`);
      if (await healthy(port)) {
        answerMs = since(started);
        answerCpuMs = cpuMs(child.pid!);
      } else if (since(started) > 30_000) throw new Error(`no 200 on /healthz within 30 s:\n${output}`);
      else await sleep(5);
    }
    while (readyMs === null) {
      if (child.exitCode !== null) throw new Error(`keyhold dev exited before its ready line:\n${output}`);
      await sleep(5);
    }
    let rssMb: number | null = null;
    if (measureRss) {
      await sleep(IDLE_MS);
      const bytes = rssBytes(child.pid!);
      rssMb = bytes === null ? null : bytes / 2 ** 20;
    }
    return { answerMs, answerCpuMs, readyMs, rssMb };
  } finally {
    await stopChild(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  installSignalHandlers();
  const fresh = CLIS.map(() => [] as Start[]);
  const restart = CLIS.map(() => [] as Start[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, cli] of CLIS.entries()) {
      const dir = join(tempDir("cold"), "data");
      fresh[i]!.push(await startOnce(cli, dir, false));
      restart[i]!.push(await startOnce(cli, dir, true));
      removeDir(resolve(dir, ".."));
    }
  }
  const f = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
  /** One line of medians: time to the first answer, to the ready line, and the CPU time at the first answer. */
  const line = (title: string, runs: Start[]) => {
    const cpu = runs.map((s) => s.answerCpuMs).filter((ms): ms is number => ms !== null);
    const answer = f(median(runs.map((s) => s.answerMs)));
    const ready = f(median(runs.map((s) => s.readyMs)));
    return `  ${title.padEnd(8)} answer ${answer}   ready ${ready}${cpu.length ? `   cpu ${f(median(cpu))}` : ""}`;
  };
  for (const [i, cli] of CLIS.entries()) {
    const freshRuns = fresh[i]!;
    const restartRuns = restart[i]!;
    const rss = restartRuns.map((s) => s.rssMb).filter((mb): mb is number => mb !== null);
    process.stdout.write(
      [
        `${cli} (median of ${RUNS})`,
        line("fresh", freshRuns),
        line("restart", restartRuns),
        `  idle RSS ${rss.length ? `${median(rss).toFixed(0)} MB` : "n/a"}`,
        `  fresh answers:   ${freshRuns.map((s) => s.answerMs.toFixed(0)).join(" ")}`,
        `  restart answers: ${restartRuns.map((s) => s.answerMs.toFixed(0)).join(" ")}`,
        "",
      ].join("\n"),
    );
  }
}

try {
  await main();
} finally {
  await cleanUp();
}
