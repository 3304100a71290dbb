import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Everything the bench starts is registered here, so it is stopped and removed whatever happens: normal end,
 * a thrown error, or SIGINT/SIGTERM.
 */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let interrupted = false;

/** True once SIGINT/SIGTERM arrived: the failures that follow (children killed) are expected, not errors. */
export const wasInterrupted = (): boolean => interrupted;

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `keyhold-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!running(child)) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill("SIGTERM");
  });
}

export async function cleanUp(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
  for (const dir of [...dirs]) removeDir(dir);
}

/** Synchronous last resort (process "exit"): kill whatever is left and remove the directories. */
function cleanUpNow(): void {
  for (const child of children) if (running(child)) child.kill("SIGKILL");
  for (const dir of [...dirs]) removeDir(dir);
}

export function installSignalHandlers(): void {
  process.once("exit", cleanUpNow);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n${signal}: stopping the bench's processes and removing its temp dirs\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}
