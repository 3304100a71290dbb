import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cleanUp, removeDir, tempDir } from "./lifecycle.js";

/**
 * `node dist/bench/cold-start-phases.js [--runs N]`: where a `keyhold dev` start spends its time, phase by phase,
 * on a fresh data directory and on a restart of it. Each start runs in a process of its own (module loading is the
 * largest phase, and a second start in one process would find every module loaded), which takes a dev server's
 * steps one at a time: load the modules, prepare the data directory (CA, certificate, master key), open the store,
 * build the services, build the app and listen. Each phase is given as wall time and as the CPU time of the whole
 * process (every thread), the steadier figure on a busy machine; medians of N.
 */

interface Phase {
  name: string;
  wallMs: number;
  cpuMs: number;
}

/** The child: one start on `dir`, its phases printed as one JSON line. */
async function child(dir: string): Promise<void> {
  const phases: Phase[] = [{ name: "node start-up (to the first line of this script)", wallMs: performance.now(), cpuMs: cpuMsNow() }];
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const wall = performance.now();
    const cpu = cpuMsNow();
    const result = await step();
    phases.push({ name, wallMs: performance.now() - wall, cpuMs: cpuMsNow() - cpu });
    return result;
  };
  const [{ prepareDevHome, DEV_VAULT_DOMAINS }, { openStore }, { createContext }, { buildApp }] = await timed(
    "load the server's modules",
    () =>
      Promise.all([
        import("../src/dev/dev-home.js"),
        import("../src/storage/open-store.js"),
        import("../src/server/create-context.js"),
        import("../src/server/build-app.js"),
      ]),
  );
  const home = await timed("data directory: master key, dev CA, server certificate", () => prepareDevHome(dir, () => undefined));
  const config = {
    mode: "dev",
    listenHost: "localhost",
    port: 0,
    proxyPort: null,
    storeFile: resolve(dir, "keyhold.db"),
    databaseUrl: null,
    tls: { cert: `${home.server.certPem.trim()}\n${home.ca.certPem.trim()}\n`, key: home.server.keyPem },
    masterKey: home.masterKey,
    vaultDomains: DEV_VAULT_DOMAINS,
    authorityUrl: "https://localhost:8443",
    vaultUriTemplate: "https://{name}.vault.azure.net",
    defaultVault: "keyhold-dev",
    tokenLifetimeSeconds: 3600,
    workers: 1,
    backgroundIntervalMs: 5000,
    logLevel: "info",
    logFormat: "json",
    maxConnections: 10_000,
    serveNewerApiVersions: true,
    throttle: "off",
    metricsListen: null,
    audit: { sink: "file", dir: join(dir, "audit"), maxFileBytes: 64 * 1024 * 1024, node: null },
  } as const;
  const store = await timed("open the store (migrations on a fresh one)", () => openStore(config));
  const ctx = await timed("services: signing key, certificate authority, audit trail", () => createContext(store, config));
  const app = await timed("build the app and listen", async () => {
    const built = buildApp(ctx, config.tls);
    await built.listen({ host: config.listenHost, port: 0 });
    return built;
  });
  await app.close();
  await store.close();
  process.stdout.write(`${JSON.stringify(phases)}\n`);
}

function cpuMsNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function startOnce(dir: string): Phase[] {
  const run = spawnSync(process.execPath, [import.meta.filename, "--child", dir], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`a start failed:\n${run.stdout}\n${run.stderr}`);
  // The server's own log lines (JSON objects) come before or after the phases' line.
  const phases = run.stdout.split("\n").find((line) => line.startsWith("["));
  if (!phases) throw new Error(`a start printed no phases:\n${run.stdout}`);
  return JSON.parse(phases) as Phase[];
}

function report(title: string, runs: Phase[][]): void {
  const lines = [`${title} (median of ${runs.length}; wall ms, cpu ms)`];
  for (const [i, phase] of runs[0]!.entries()) {
    const wall = median(runs.map((r) => r[i]!.wallMs));
    const cpu = median(runs.map((r) => r[i]!.cpuMs));
    lines.push(`  ${phase.name.padEnd(62)} ${wall.toFixed(0).padStart(6)} ${cpu.toFixed(0).padStart(6)}`);
  }
  const total = (key: "wallMs" | "cpuMs") => median(runs.map((r) => r.reduce((sum, p) => sum + p[key], 0)));
  lines.push(`  ${"total".padEnd(62)} ${total("wallMs").toFixed(0).padStart(6)} ${total("cpuMs").toFixed(0).padStart(6)}`, "");
  process.stdout.write(lines.join("\n"));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, child: { type: "string" } } });
  if (values.child !== undefined) return child(values.child);
  const fresh: Phase[][] = [];
  const restart: Phase[][] = [];
  try {
    for (let run = 0; run < Number(values.runs); run++) {
      const root = tempDir("phases");
      fresh.push(startOnce(join(root, "data")));
      restart.push(startOnce(join(root, "data")));
      removeDir(root);
    }
  } finally {
    await cleanUp();
  }
  report("fresh data directory", fresh);
  report("restart on it", restart);
}

await main();
