import pg from "pg";
import type { InsertCeilingRun, InsertCeilingSpec } from "./insert-ceiling-run.js";

/**
 * The ceiling without pgbench: node `pg` clients in the bench's own process, each sending the INSERT again as soon
 * as the last one committed. One event loop drives every client, so this ceiling can be bound by Node rather than
 * by PostgreSQL: the row says which generator measured it.
 */
export async function runPgInsertLoop(spec: InsertCeilingSpec): Promise<InsertCeilingRun> {
  const clients = Array.from({ length: spec.connections }, () => new pg.Client({ connectionString: spec.url }));
  // A connection that breaks fails its queries, which are counted; its error event must not end the bench.
  for (const c of clients) c.on("error", () => undefined);
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const started = performance.now();
    const deadline = started + spec.seconds * 1000;
    let transactions = 0;
    let failed = 0;
    let latencyTotalMs = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < deadline) {
          const sent = performance.now();
          try {
            await client.query(spec.insertSql);
            transactions++;
            latencyTotalMs += performance.now() - sent;
          } catch {
            failed++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      generator: `node pg, ${spec.connections} clients in the bench's process`,
      connections: spec.connections,
      seconds,
      transactions,
      tps: transactions / seconds,
      latencyAvgMs: transactions > 0 ? latencyTotalMs / transactions : NaN,
      failed,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
