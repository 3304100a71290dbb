import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * A throw-away PostgreSQL server for the test run: initdb in a temporary directory, on a free loopback port,
 * trust authentication for loopback only, fsync off unless asked (nothing here outlives the run; the bench
 * turns it on, so that its write figures are durable ones). Root cannot run
 * PostgreSQL, so as root it runs as the `postgres` user. Null when no PostgreSQL server binaries are installed.
 */
export interface ThrowawayPostgres {
  url: string;
  /** Stops the server at once (as a crash would: `-m immediate`). */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
}

/** Whether PostgreSQL's server programs are installed here. */
export const postgresInstalled = (): boolean => binDir() !== null;

function binDir(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  const debian = "/usr/lib/postgresql";
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(debian, v, "bin", "initdb"))) return join(debian, v, "bin");
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

export async function startThrowawayPostgres(root: string, options: { fsync?: boolean } = {}): Promise<ThrowawayPostgres | null> {
  const bin = binDir();
  if (!bin) return null;
  const asRoot = process.getuid?.() === 0;
  const dir = join(root, "postgres");
  mkdirSync(dir, { mode: 0o700 });
  let uid: number | null = null;
  if (asRoot) {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? ["runuser", "-u", "postgres", "--", join(bin, tool), ...args] : [join(bin, tool), ...args];
    const result = spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  };
  const port = await freePort();
  run("initdb", ["-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8"]);
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${options.fsync ? "on" : "off"} -c max_connections=200`;
  const start = () => run("pg_ctl", ["-D", join(dir, "data"), "-o", settings, "-l", join(dir, "log"), "-w", "start"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run("pg_ctl", ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]),
    start,
  };
}
