import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { verifySecretSync } from "./secret-hash.js";

/**
 * A hash pool thread (hash-pool.ts): checks one presented secret against the stored hashes it is given, one
 * job at a time, and answers the index of the one that matched (-1 for none). Every hash given is checked, even
 * after a match, so a job's cost depends only on how many hashes it carries.
 */
export interface HashJob {
  secret: string;
  hashes: string[];
}

export interface HashJobResult {
  match: number;
}

/** What the pool gives each thread at its start. */
export interface HashWorkerData {
  /** The thread's nice value on Linux (0 = as the event loop; 19 = only what nothing else wants). */
  nice: number;
}

// A lower priority than the event loop and the libuv pool: when the CPU is contended, the scheduler gives a
// nice-10 thread about a tenth of what a normal one gets, so a flood of wrong secrets takes mostly CPU that serving
// requests and flushing the WAL leave over. On Linux the nice value belongs to each thread and
// setpriority(PRIO_PROCESS, 0) changes the calling thread only; elsewhere it would renice the whole process, so
// it is left alone there.
const { nice } = workerData as HashWorkerData;
if (process.platform === "linux" && nice > 0) {
  try {
    setPriority(nice);
  } catch {
    // not allowed here (some sandboxes): hashes then run at the normal priority, still on their own thread
  }
}

parentPort!.on("message", (job: HashJob) => {
  let match = -1;
  for (let i = 0; i < job.hashes.length; i++) {
    if (verifySecretSync(job.secret, job.hashes[i]!) && match === -1) match = i;
  }
  parentPort!.postMessage({ match } satisfies HashJobResult);
});
