import { randomBytes } from "node:crypto";
import pg from "pg";

/** The run's PostgreSQL server (npm test starts a throw-away one when PostgreSQL is installed), or undefined. */
export const POSTGRES_URL = process.env.KEYHOLD_TEST_POSTGRES_URL;

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the run's server: its URL, and how to drop it. */
export async function newDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!POSTGRES_URL) throw new Error("no PostgreSQL server for this run");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await onServer((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))) };
}
