import { EnvelopeError, type Envelope } from "../crypto/envelope.js";
import type { SealedRecord, SealedTable, Store, StoreOps } from "../storage/store.js";

/** Where the rotation's progress is kept, so that any node, after a restart, continues where it stopped. */
const PROGRESS_KEY = "master-key-rotation";
/** Records re-wrapped per transaction: short enough that no write waits long on it. */
export const ROTATION_BATCH = 100;
/** In this order; the position is a table and the primary key of the last row done in it. */
const TABLES: readonly SealedTable[] = ["meta", "vault_entries", "object_versions"];
/** The meta values sealed under the master key, with their seal's context (the others are plain). */
const SEALED_META: Readonly<Record<string, string>> = {
  "issuer-signing-key": "meta/issuer-signing-key",
  "certificate-authority": "meta/certificate-authority",
  "mfa-key": "meta/mfa-key",
};

export interface RotationProgress {
  /** running: a pass is under way (or was interrupted, and continues); done: every record was visited. */
  state: "idle" | "running" | "done";
  /** The id of the master key the pass re-wraps under (the current key when it started). */
  keyId: string | null;
  /** Records in the sealed tables when the pass started, and how many of them it has visited. */
  total: number;
  done: number;
  /** Records whose data key it re-wrapped (the others were already under the current key). */
  rewrapped: number;
  /** Records no configured master key opens: they stay as they are, and need the key that sealed them. */
  unreadable: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface StoredProgress extends RotationProgress {
  table: number;
  after: string[] | null;
}

const IDLE: StoredProgress = {
  state: "idle",
  keyId: null,
  total: 0,
  done: 0,
  rewrapped: 0,
  unreadable: 0,
  startedAt: null,
  finishedAt: null,
  table: 0,
  after: null,
};

/** The context a record was sealed with, or null for a meta value that is not sealed. Must match the sealers'. */
function contextOf(record: SealedRecord): string | null {
  const key = record.key.map((part) => part.toLowerCase());
  if (record.table === "meta") return SEALED_META[record.key[0]!] ?? null;
  // vault_entries: kind/vault/name (sealed-vault-entries.ts); object_versions: kind/vault/name/version (object-lifecycle.ts).
  const [vault, kind, ...rest] = key;
  return [kind, vault, ...rest].join("/");
}

function parseProgress(raw: Buffer | undefined): StoredProgress {
  return raw ? { ...IDLE, ...(JSON.parse(raw.toString("utf8")) as Partial<StoredProgress>) } : IDLE;
}

/** Another process advanced the progress first: it runs the pass, and this one leaves it to it. */
class RotationTakenOver extends Error {}

const publicView = ({ table: _table, after: _after, ...progress }: StoredProgress): RotationProgress => progress;

/**
 * Re-wraps every record's data key under the current master key (docs/master-key.md): in batches, each its own
 * transaction, the event loop handed back between them; resumable from the position kept in meta. A record
 * written meanwhile is already under the current key; one changed between the read and the write is left as
 * the writer made it (the rewrite is a compare-and-set).
 */
export class MasterKeyRotation {
  #running: Promise<void> | null = null;
  #stopping = false;
  /** Why this process's last pass stopped short (another node runs it, the store went away); null otherwise. */
  #failure: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly envelope: Envelope,
    private readonly now: () => number,
  ) {}

  /** The id of the master key this process seals with, which a pass re-wraps under. */
  get currentKeyId(): string {
    return this.envelope.currentKeyId;
  }

  async progress(): Promise<RotationProgress & { error: string | null }> {
    return { ...publicView(await this.#load(this.store)), error: this.#failure };
  }

  /**
   * Starts a pass (or continues one under way for the current key); resolves once started, with the progress.
   * `finished` resolves when the pass is done (tests, and resuming at start).
   */
  async start(): Promise<{ progress: RotationProgress; finished: Promise<void> }> {
    if (!this.#running) {
      const stored = await this.#load(this.store);
      const resume = stored.state === "running" && stored.keyId === this.envelope.currentKeyId;
      if (!resume) await this.#begin();
      this.#failure = null;
      this.#running = this.#run()
        .catch((error: unknown) => {
          // The position is kept: a later start, here or on another node, continues from it.
          if (!(error instanceof RotationTakenOver)) this.#failure = error instanceof Error ? error.message : String(error);
        })
        .finally(() => {
          this.#running = null;
        });
    }
    return { progress: await this.progress(), finished: this.#running };
  }

  /**
   * Continues a pass a stopped process left under way for the current key: resolves once it is done (true), or at
   * once when there is none (false).
   */
  async resumeInterrupted(): Promise<boolean> {
    const stored = await this.#load(this.store);
    if (stored.state !== "running" || stored.keyId !== this.envelope.currentKeyId) return false;
    await (
      await this.start()
    ).finished;
    return true;
  }

  async #load(store: StoreOps): Promise<StoredProgress> {
    return parseProgress(await store.getMeta(PROGRESS_KEY));
  }

  async #begin(): Promise<void> {
    await this.store.transaction(async (tx) => {
      const raw = await tx.getMeta(PROGRESS_KEY);
      let total = 0;
      for (const table of TABLES) total += await tx.countSealedRecords(table);
      const fresh: StoredProgress = { ...IDLE, state: "running", keyId: this.envelope.currentKeyId, total, startedAt: this.now() };
      await this.#save(tx, raw, fresh);
    });
  }

  /** Compare-and-set on the progress row: two runners never both advance it (the loser's batch rolls back). */
  async #save(tx: StoreOps, expected: Buffer | undefined, next: StoredProgress): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(next), "utf8");
    const saved =
      expected === undefined
        ? (await tx.initMeta(PROGRESS_KEY, bytes)).equals(bytes)
        : await tx.replaceSealedRecord("meta", [PROGRESS_KEY], expected, bytes);
    if (!saved) throw new RotationTakenOver("another process is rotating the master key");
  }

  /** Lets the batch under way finish and starts no other (before the store closes); a later start continues. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const finished = await this.store.transaction((tx) => this.#batch(tx));
      if (finished) return;
      // Between batches, whatever waits (requests, other transactions) goes first.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** One batch in `tx`: re-wraps up to ROTATION_BATCH records from the saved position; true once every table is done. */
  async #batch(tx: StoreOps): Promise<boolean> {
    const raw = await tx.getMeta(PROGRESS_KEY);
    const previous = parseProgress(raw);
    if (previous.state !== "running") return true;
    const next: StoredProgress = { ...previous };
    const table = TABLES[next.table]!;
    const page = await tx.listSealedRecords(table, next.after, ROTATION_BATCH);
    for (const record of page) {
      const context = contextOf(record);
      const outcome = context === null ? "skipped" : this.#rewrap(record, context);
      if (outcome === "unreadable") next.unreadable++;
      else if (outcome instanceof Buffer && (await tx.replaceSealedRecord(table, record.key, record.sealed, outcome))) next.rewrapped++;
    }
    next.done = Math.min(next.total, next.done + page.length);
    next.after = page.at(-1)?.key ?? next.after;
    if (page.length < ROTATION_BATCH) {
      next.table++;
      next.after = null;
    }
    if (next.table >= TABLES.length) Object.assign(next, { state: "done", done: next.total, finishedAt: this.now() });
    await this.#save(tx, raw, next);
    return next.state === "done";
  }

  #rewrap(record: SealedRecord, context: string): Buffer | "current" | "unreadable" {
    try {
      return this.envelope.rewrap(record.sealed, context) ?? "current";
    } catch (error) {
      if (error instanceof EnvelopeError) return "unreadable";
      throw error;
    }
  }
}
