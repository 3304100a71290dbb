import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/**
 * The checkpoint thread (checkpointer.ts): its own connection to the store file, which copies the WAL's frames
 * into the database file when asked. PASSIVE: it waits for no one; frames a reader still needs, or that a
 * commit adds meanwhile, are left for the next time (sqlite.org/c3ref/wal_checkpoint_v2.html).
 */
const db = new Database(workerData as string, { fileMustExist: true });

parentPort!.on("message", (message: "checkpoint" | "truncate" | "close") => {
  if (message === "close") {
    // Closed before the writer, so that the writer's close is the last one: it checkpoints and removes the WAL.
    db.close();
    parentPort!.close();
    return;
  }
  try {
    // Answers [{ busy, log, checkpointed }]: whether another checkpoint was running, pages in the WAL, pages copied.
    // TRUNCATE, after a purge: waits for the writer and readers, copies every frame, then empties the WAL file,
    // so that no older copy of a purged row is left in it.
    parentPort!.postMessage({ ok: true, result: db.pragma(`wal_checkpoint(${message === "truncate" ? "TRUNCATE" : "PASSIVE"})`) });
  } catch (error) {
    parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
