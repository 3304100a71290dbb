import type pg from "pg";
import type { StoreOps } from "../store.js";
import type { PgTarget, Query } from "./pg-base.js";
import { key } from "./pg-base.js";
import { PgOps, objectLock } from "./pg-ops.js";
import { prepared } from "./pg-prepared.js";

/**
 * Operations that need no savepoint of their own: each is one statement that either does all it does or fails
 * only as the whole transaction fails (a serialization failure, a lost connection). Reads, and adding a version,
 * which reports a duplicate version without failing its statement (pg-ops.ts). Every other write runs in a
 * savepoint, so that one that fails (a constraint) is undone alone and the transaction can go on, as the contract
 * says.
 */
const WITHOUT_SAVEPOINT = /^(get|find|list|all|count)[A-Z]|^addObjectVersion$/;

const OBJECT_KINDS = new Set(["secret", "key", "certificate"]);

/** An object, by its keys; `id` is them joined, to compare and to wait a turn on. */
export interface ObjectKey {
  id: string;
  vault: string;
  kind: string;
  name: string;
}

const objectKey = (vault: string, kind: string, name: string): ObjectKey => ({
  id: `${key(vault)}\0${kind}\0${key(name)}`,
  vault: key(vault),
  kind,
  name: key(name),
});

/** The object an operation names: `(vault, kind, name, …)`, or a version record. */
export function objectOf(args: readonly unknown[]): ObjectKey | null {
  const [first, second, third] = args;
  if (typeof first === "string" && typeof second === "string" && OBJECT_KINDS.has(second) && typeof third === "string") {
    return objectKey(first, second, third);
  }
  const r = first as { vault?: unknown; kind?: unknown; name?: unknown; version?: unknown } | null;
  if (args.length === 1 && typeof r === "object" && r !== null && typeof r.version === "string") {
    if (typeof r.vault === "string" && typeof r.kind === "string" && OBJECT_KINDS.has(r.kind) && typeof r.name === "string") {
      return objectKey(r.vault, r.kind, r.name);
    }
  }
  return null;
}

/** Thrown when a transaction begun on one object turns out to need SERIALIZABLE: it is run again so. */
export class NeedsSerializable extends Error {
  constructor() {
    super("the transaction needs SERIALIZABLE isolation");
  }
}

/**
 * One attempt at a transaction, begun by its first operation, whose object (if it names one) is handed to
 * `beforeBegin` first, so that the caller can wait its turn on it. A transaction that runs no operation never
 * reaches the database.
 *
 * Two ways to run it. SERIALIZABLE: PostgreSQL refuses whatever could not have run one transaction after the
 * other. On one object (`oneObject`, for a transaction whose first operation names an object): READ COMMITTED,
 * beginning (in the same round trip as BEGIN) with the object's advisory lock and the row lock on its row, if it
 * has one. Every write to an object's rows holds one of them: adding a version takes the advisory lock (so does
 * creating the object) and updates the row; changing a version's attributes locks the row first; deleting and
 * purging change the row. So from the locks on, no other transaction changes what this one reads, and this one
 * reads and writes nothing else: it is as if it ran alone at that moment, as SERIALIZABLE would make it. (Master
 * key rotation re-seals versions without the locks, but leaves what they hold the same.) The
 * first operation that names anything else (another object, a vault, anything without an object) gives up with
 * NeedsSerializable.
 */
export class PgTransaction {
  #client: pg.PoolClient | null = null;
  #begun: Promise<pg.PoolClient> | null = null;
  /** The object this transaction holds the row lock of, in the one-object way. */
  #object: ObjectKey | null = null;
  #abandoned = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly oneObject: boolean,
    private readonly beforeBegin: (object: ObjectKey | null) => Promise<void>,
  ) {}

  /** The operations `work` is given. */
  ops(): StoreOps {
    const query: Query = async (text, values) => (await this.#connection(null)).query(prepared(text, values));
    const target: PgTarget = { query };
    const ops = new PgOps(target);
    return new Proxy(ops, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        const op = (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return async (...args: unknown[]) => {
          const object = objectOf(args);
          const client = await this.#connection(object);
          if (this.#object && this.#object.id !== object?.id) this.#abandon();
          return typeof property === "string" && WITHOUT_SAVEPOINT.test(property) ? op(...args) : inSavepoint(client, () => op(...args));
        };
      },
    });
  }

  /** Commits what was done (nothing, when no operation ran). */
  async commit(): Promise<void> {
    if (this.#abandoned) throw new NeedsSerializable();
    if (this.#begun) await (await this.#begun).query("COMMIT");
  }

  /** Rolls back, if begun, and gives the connection back to the pool. */
  async end(failed: boolean): Promise<void> {
    const client = this.#client;
    if (!client) return;
    if (failed || this.#abandoned) await client.query("ROLLBACK").catch(() => undefined);
    client.release();
  }

  /** Ends the one-object way for good: `work` may catch the error, so every later operation and the commit throw too. */
  #abandon(): never {
    this.#abandoned = true;
    throw new NeedsSerializable();
  }

  async #connection(object: ObjectKey | null): Promise<pg.PoolClient> {
    this.#begun ??= this.#begin(object);
    const client = await this.#begun;
    if (this.#abandoned) this.#abandon();
    return client;
  }

  async #begin(object: ObjectKey | null): Promise<pg.PoolClient> {
    await this.beforeBegin(object);
    const client = await this.pool.connect();
    this.#client = client;
    if (!this.oneObject || object === null) {
      await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      return client;
    }
    // One round trip (a simple query cannot take parameters: the keys are quoted as literals).
    const [vault, kind, name] = [object.vault, object.kind, object.name].map((k) => client.escapeLiteral(k));
    await client.query(
      `BEGIN ISOLATION LEVEL READ COMMITTED; ${objectLock(vault!, kind!, name!)}; ` +
        `SELECT 1 FROM objects WHERE vault_key = ${vault} AND kind = ${kind} AND name_key = ${name} FOR UPDATE`,
    );
    this.#object = object;
    return client;
  }
}

async function inSavepoint<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query("SAVEPOINT keyhold_op");
  try {
    const result = await work();
    await client.query("RELEASE SAVEPOINT keyhold_op");
    return result;
  } catch (error) {
    await client.query("ROLLBACK TO SAVEPOINT keyhold_op");
    await client.query("RELEASE SAVEPOINT keyhold_op");
    throw error;
  }
}
