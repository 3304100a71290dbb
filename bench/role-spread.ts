import { API_VERSION, Client } from "./client.js";
import { tempDir } from "./lifecycle.js";
import { type Row, ms, num, ratio } from "./report.js";
import { loadFailures } from "./rows.js";
import { type KeyholdServer, startKeyhold } from "./server.js";
import { type WrkResult, ensureWrk, runWrk } from "./wrk-load.js";

/**
 * What a deployment's size costs one request: secret GET (32 connections, wrk) by a caller holding a role in 100
 * vaults, against the same GET by a caller holding the same role in only the vault read. A request's access check
 * should read only the assignments that can apply in its vault, so the two should be as fast; the row is their
 * ratio. Both callers are service principals of their own, on a server of its own (the 99 extra vaults change no
 * other row); the two loads alternate for ROUNDS rounds and the row is the median round. Alone: BENCH_ONLY=role-spread.
 */
export interface RoleSpread {
  generator: string;
  vaults: number;
  rounds: { one: WrkResult; many: WrkResult }[];
}

const VAULTS = 100;
const ROUNDS = 3;
const CONNECTIONS = 32;
const ROLE = "Key Vault Secrets User";
const SECRET = "role-spread";
const TITLE = `secret get, caller with roles in ${VAULTS} vaults ÷ in 1 vault, ${CONNECTIONS} conns (wrk)`;

export async function roleSpreadFigures(
  load: { seconds: number; warmupSeconds: number },
  log: (line: string) => void,
): Promise<RoleSpread> {
  await ensureWrk(log);
  const server = await startKeyhold(tempDir("role-spread"), ["--log-level", "warn"]);
  const admin = new Client(server);
  try {
    await admin.authenticate();
    await admin.vault("PUT", `/secrets/${SECRET}`, { value: "role spread ".padEnd(100, "x") });
    log(`role spread: ${VAULTS - 1} more vaults, a caller with a role in 1 vault and one with it in ${VAULTS}`);
    const vault = server.env.KEY_VAULT_NAME ?? "keyhold-dev";
    const one = await principalWithRoles(server, admin, [vault]);
    const others = Array.from({ length: VAULTS - 1 }, (_, i) => `spread-${String(i).padStart(3, "0")}`);
    for (const name of others) await admin.admin("PUT", `/keyhold/vaults/${name}`, { enableRbacAuthorization: true });
    const many = await principalWithRoles(server, admin, [...others, vault]);
    const get = (token: string) =>
      runWrk({
        url: `${server.url}/secrets/${SECRET}?api-version=${API_VERSION}`,
        method: "GET",
        headers: { authorization: `Bearer ${token}` },
        connections: CONNECTIONS,
        seconds: load.seconds,
        warmupSeconds: load.warmupSeconds,
      });
    const rounds: RoleSpread["rounds"] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const oneResult = await get(one);
      const manyResult = await get(many);
      log(`  round ${round}: 1 vault ${num(oneResult.rps)}/s, ${VAULTS} vaults ${num(manyResult.rps)}/s`);
      rounds.push({ one: oneResult, many: manyResult });
    }
    return { generator: "wrk, 1 thread, HTTPS keep-alive", vaults: VAULTS, rounds };
  } finally {
    admin.close();
    await server.stop();
  }
}

/** A new service principal holding ROLE in each of `vaults`; its access token. */
async function principalWithRoles(server: KeyholdServer, admin: Client, vaults: string[]): Promise<string> {
  const created = await admin.admin<{ clientId: string; clientSecret: string }>("POST", "/keyhold/principals", {
    displayName: "role spread",
  });
  for (const vault of vaults) {
    await admin.admin("POST", "/keyhold/roleAssignments", { principalId: created.clientId, role: ROLE, scope: `/vaults/${vault}` });
  }
  const caller = new Client(server);
  try {
    return await caller.authenticate({ AZURE_CLIENT_ID: created.clientId, AZURE_CLIENT_SECRET: created.clientSecret });
  } finally {
    caller.close();
  }
}

export function roleSpreadRows(f: RoleSpread): Row[] {
  const ordered = [...f.rounds].sort((a, b) => a.many.rps / a.one.rps - b.many.rps / b.one.rps);
  const median = ordered[Math.floor(ordered.length / 2)]!;
  const ratios = f.rounds.map((r) => ratio(r.many.rps, r.one.rps)).join(", ");
  const errors = f.rounds.reduce((sum, r) => sum + loadFailures(r.one) + loadFailures(r.many), 0);
  const cpu = Math.max(...f.rounds.flatMap((r) => [r.one.generatorCpu, r.many.generatorCpu]));
  return [
    {
      workload: TITLE,
      keyhold: `${num(median.many.rps)}/s, p99 ${ms(median.many.p99Ms)}`,
      baseline: `${num(median.one.rps)}/s (1 vault), generator CPU ≤ ${num(cpu, 2)}`,
      ratio: `${ratio(median.many.rps, median.one.rps)} (rounds ${ratios})`,
      target: "≥ 0.95",
      met: median.many.rps / median.one.rps >= 0.95 && errors === 0,
      errors,
    },
  ];
}
