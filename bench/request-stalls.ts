import { type KeyObject, X509Certificate, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildCertificate, issuerOf } from "../src/crypto/x509/certificate-builder.js";
import type { CertificateSigner } from "../src/crypto/x509/signer.js";
import { API_VERSION, Client } from "./client.js";
import { cleanUp, installSignalHandlers, tempDir } from "./lifecycle.js";
import { type Row, formatTable, ms } from "./report.js";
import { type KeyholdServer, startKeyhold } from "./server.js";
import { PING_EVERY_MS, type PingFigures, StallProbe, medianOf, sleep } from "./stall-probe.js";

/**
 * The longest event-loop stall of each kind of request whose work grows with its input or with what is stored:
 * bulk import, paged lists over many objects and versions, RSA-4096 key create and rotate, certificate create and
 * import of a long chain, backup, purge and restore of an object with many versions, a master-key rotation pass, a
 * vault purge. While one runs, GET /healthz goes out every 5 ms (stall-probe.ts); the slowest ping is the longest
 * stall. Each kind is run ROUNDS times; its row is the median of the rounds' slowest pings, against the 50 ms one
 * request may hold the event loop. The floor is the same pings with nothing else running, as long as the longest
 * measurement.
 *
 * On a server of its own (a fresh data directory). Standalone (about a minute on a quiet machine):
 * `node dist/bench/request-stalls.js`; STALLS_ONLY=backup,purge for some kinds only.
 */
export interface StallRound extends PingFigures {
  /** How long the measured requests took, end to end. */
  requestMs: number;
}

export interface StallKind {
  kind: string;
  rounds: StallRound[];
}

export interface RequestStalls {
  pingEveryMs: number;
  /** The slowest of the same pings with nothing else running (several windows, the median). */
  floorSlowestPingMs: number;
  floorCpuMs: number | null;
  kinds: StallKind[];
}

const ROUNDS = 3;
const TARGET_MS = 50;
const VALUE_BYTES = 1000;
const IMPORT_SECRETS = 1000;
/** A secret with many versions, walked by its versions list. */
const LIST_VERSIONS = 2000;
/** Azure backs up at most 500 versions of an object: the largest backup a client can expect to make. */
const BACKUP_VERSIONS = 500;
const DELETED_SECRETS = 300;
const PAGES_WALKED = 20;
/** The leaf's issuers: with the leaf, the most certificates an import may carry (certificate-count.ts). */
const CHAIN_CERTIFICATES = 24;
const PURGED_VAULT_SECRETS = 3000;
/** STALLS_ONLY=word,word: only the kinds whose title holds one of the words (a kind's setup may need an earlier kind's). */
const ONLY = (process.env.STALLS_ONLY ?? "").split(",").filter(Boolean);
/** Concurrent clients for the setup's single writes. */
const SETUP_CLIENTS = 8;

const value = () => randomBytes(VALUE_BYTES * 0.75).toString("base64");

/** A vault call to `vault` (by host name) rather than the default vault; throws unless 2xx. */
async function inVault(client: Client, server: KeyholdServer, vault: string, method: string, path: string, body?: unknown): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${client.bearer}`, host: `${vault}.vault.localhost:${server.port}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const sep = path.includes("?") ? "&" : "?";
  const reply = await client.send(
    method,
    `${path}${sep}api-version=${API_VERSION}`,
    body === undefined ? undefined : JSON.stringify(body),
    headers,
  );
  if (reply.status < 200 || reply.status > 299) throw new Error(`${method} ${vault}${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
}

/** Runs `count` calls of `one(i)` on SETUP_CLIENTS clients at once. */
async function fanOut(clients: Client[], count: number, one: (client: Client, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < count) await one(client, next++);
    }),
  );
}

/** GETs `path` and its nextLinks, at most `pages` of them. */
async function walk(client: Client, path: string, pages: number): Promise<void> {
  let url: string | null = path;
  for (let page = 0; url !== null && page < pages; page++) {
    const reply: { json: { nextLink: string | null } } = await client.vault("GET", url);
    const next = reply.json.nextLink === null ? null : new URL(reply.json.nextLink);
    url = next === null ? null : next.pathname + next.search;
  }
}

const ecSigner = (key: KeyObject): CertificateSigner => ({
  algorithm: "ES256",
  sign: async (tbs) => sign("sha256", tbs, { key, dsaEncoding: "ieee-p1363" }),
});

/** A leaf with its key, then CHAIN_CERTIFICATES CA certificates each issued by the next (PEM, leaf first). */
export async function longChainPem(): Promise<string> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 30 * 86_400_000);
  let issuerKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const subject = (i: number) => `CN=stall chain ${i}`;
  const ca = { notBefore, notAfter, ca: true, keyUsage: ["keyCertSign" as const] };
  let issuerDer = await buildCertificate(
    { ...ca, subject: subject(CHAIN_CERTIFICATES), publicKey: issuerKey, issuer: { self: true } },
    ecSigner(issuerKey),
  );
  const chain = [issuerDer];
  for (let i = CHAIN_CERTIFICATES - 1; i >= 0; i--) {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const options = i === 0 ? { notBefore, notAfter, subject: "CN=leaf.keyhold.test" } : { ...ca, subject: subject(i) };
    issuerDer = await buildCertificate({ ...options, publicKey: key, issuer: issuerOf(issuerDer) }, ecSigner(issuerKey));
    chain.unshift(issuerDer);
    issuerKey = key;
  }
  const pem = chain.map((der) => new X509Certificate(der).toString());
  // The leaf, then its issuers last to first: the order that makes the chain's ordering work hardest.
  return [issuerKey.export({ type: "pkcs8", format: "pem" }) as string, pem[0]!, ...pem.slice(1).reverse()].join("");
}

const selfSignedRsa = (size: number) => ({
  policy: {
    key_props: { kty: "RSA", key_size: size, exportable: true, reuse_key: false },
    secret_props: { contentType: "application/x-pkcs12" },
    x509_props: { subject: "CN=stall.keyhold.test", validity_months: 12 },
    issuer: { name: "Self" },
  },
});

interface Kind {
  kind: string;
  /** Done once, before the rounds; not measured. */
  setup?: () => Promise<void>;
  /** Done before each round; not measured. */
  prepare?: (round: number) => Promise<void>;
  /** One round's measured requests. */
  run: (round: number) => Promise<void>;
}

function kinds(server: KeyholdServer, client: Client, setupClients: Client[], chainPem: string): Kind[] {
  const backup = { blob: "" };
  return [
    {
      kind: `secret import, ${IMPORT_SECRETS.toLocaleString("en-US")} × 1 KB`,
      run: async (round) => {
        const secrets = Array.from({ length: IMPORT_SECRETS }, (_, i) => ({ name: `imported-${round}-${i}`, value: value() }));
        await client.vault("POST", "/secrets/import", { secrets });
      },
    },
    {
      kind: `secret list, ${PAGES_WALKED} pages of 25 (of ${(ROUNDS * IMPORT_SECRETS).toLocaleString("en-US")})`,
      run: () => walk(client, "/secrets?maxresults=25", PAGES_WALKED),
    },
    {
      kind: `secret versions list, ${PAGES_WALKED} pages of 25 (of ${LIST_VERSIONS.toLocaleString("en-US")} versions)`,
      setup: () => fanOut(setupClients, LIST_VERSIONS, (c) => c.vault("PUT", "/secrets/many-versions", { value: value() })),
      run: () => walk(client, "/secrets/many-versions/versions?maxresults=25", PAGES_WALKED),
    },
    {
      kind: `deleted secrets list, ${DELETED_SECRETS / 25} pages of 25`,
      setup: () => fanOut(setupClients, DELETED_SECRETS, (c, i) => c.vault("DELETE", `/secrets/imported-1-${i}`)),
      run: () => walk(client, "/deletedsecrets?maxresults=25", PAGES_WALKED),
    },
    {
      kind: "key create, RSA-4096",
      run: async (round) => void (await client.vault("POST", `/keys/rsa4096-${round}/create`, { kty: "RSA", key_size: 4096 })),
    },
    {
      kind: "key rotate, RSA-4096",
      run: async () => void (await client.vault("POST", "/keys/rsa4096-1/rotate")),
    },
    {
      kind: "certificate create, Self, RSA-4096",
      run: async (round) => void (await client.vault("POST", `/certificates/self-${round}/create`, selfSignedRsa(4096))),
    },
    {
      kind: `certificate import, PEM of a leaf and ${CHAIN_CERTIFICATES} issuers`,
      run: async (round) => {
        const body = { value: chainPem, policy: { secret_props: { contentType: "application/x-pem-file" } } };
        await client.vault("POST", `/certificates/chain-${round}/import`, body);
      },
    },
    {
      kind: `secret backup, ${BACKUP_VERSIONS} versions`,
      setup: () => fanOut(setupClients, BACKUP_VERSIONS, (c) => c.vault("PUT", "/secrets/backed-up", { value: value() })),
      run: async () => {
        backup.blob = (await client.vault<{ value: string }>("POST", "/secrets/backed-up/backup")).json.value;
      },
    },
    {
      kind: `secret purge, ${BACKUP_VERSIONS} versions`,
      prepare: async (round) => {
        if (round > 1) await client.vault("POST", "/secrets/restore", { value: backup.blob });
        await client.vault("DELETE", "/secrets/backed-up");
      },
      run: async () => void (await client.vault("DELETE", "/deletedsecrets/backed-up")),
    },
    {
      kind: `secret restore, ${BACKUP_VERSIONS} versions`,
      prepare: async (round) => {
        if (round === 1) return;
        await client.vault("DELETE", "/secrets/backed-up");
        await client.vault("DELETE", "/deletedsecrets/backed-up");
      },
      run: async () => void (await client.vault("POST", "/secrets/restore", { value: backup.blob })),
    },
    {
      kind: "master-key rotation pass (POST, then GET until done)",
      run: async () => {
        const { currentKeyId } = await client.admin<{ currentKeyId: string }>("GET", "/keyhold/masterKey/rotate");
        await client.admin("POST", "/keyhold/masterKey/rotate", { keyId: currentKeyId });
        while ((await client.admin<{ state: string }>("GET", "/keyhold/masterKey/rotate")).state !== "done") await sleep(20);
      },
    },
    {
      kind: `vault purge, ${PURGED_VAULT_SECRETS.toLocaleString("en-US")} secrets`,
      prepare: async (round) => {
        await client.admin("PUT", `/keyhold/vaults/stall-purge-${round}`, {});
        for (let i = 0; i < PURGED_VAULT_SECRETS / IMPORT_SECRETS; i++) {
          const secrets = Array.from({ length: IMPORT_SECRETS }, (_, j) => ({ name: `s-${i}-${j}`, value: value() }));
          await inVault(client, server, `stall-purge-${round}`, "POST", "/secrets/import", { secrets });
        }
        await client.admin("DELETE", `/keyhold/vaults/stall-purge-${round}`);
      },
      run: async (round) => void (await client.admin("POST", `/keyhold/deletedVaults/stall-purge-${round}/purge`)),
    },
  ];
}

export async function requestStallFigures(log: (message: string) => void): Promise<RequestStalls> {
  const chainPem = await longChainPem();
  log(`  a chain of ${CHAIN_CERTIFICATES}: ${Math.round(chainPem.length / 1024)} KB of PEM`);
  const server = await startKeyhold(join(tempDir("request-stalls"), "data"));
  const client = new Client(server);
  const setupClients = Array.from({ length: SETUP_CLIENTS }, () => new Client(server));
  try {
    await client.authenticate();
    for (const c of setupClients) await c.authenticate();
    const probe = await StallProbe.open(server);
    try {
      return await measure(kinds(server, client, setupClients, chainPem), probe, log);
    } finally {
      probe.close();
    }
  } finally {
    client.close();
    for (const c of setupClients) c.close();
    await server.stop();
  }
}

async function measure(measured: Kind[], probe: StallProbe, log: (message: string) => void): Promise<RequestStalls> {
  const results: StallKind[] = [];
  let longestMs = 0;
  for (const kind of measured.filter((k) => ONLY.length === 0 || ONLY.some((word) => k.kind.includes(word)))) {
    await kind.setup?.();
    const rounds: StallRound[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await kind.prepare?.(round);
      let requestMs = 0;
      const pings = await probe.pinging(async () => {
        const started = performance.now();
        await kind.run(round);
        requestMs = performance.now() - started;
      });
      longestMs = Math.max(longestMs, requestMs);
      rounds.push({ requestMs, ...pings });
      log(`  ${kind.kind} ${round}: ${ms(requestMs)}; slowest of ${pings.pings} pings ${ms(pings.slowestPingMs)}, ${cpuText(pings)}`);
    }
    results.push({ kind: kind.kind, rounds });
  }
  const floors: PingFigures[] = [];
  for (let i = 0; i < ROUNDS; i++) floors.push(await probe.pinging(() => sleep(Math.min(longestMs, 5_000))));
  log(`  the same pings for ${ms(Math.min(longestMs, 5_000))} with nothing else: ${floors.map(floorText).join("; ")}`);
  return {
    pingEveryMs: PING_EVERY_MS,
    floorSlowestPingMs: medianOf(floors.map((f) => f.slowestPingMs)),
    floorCpuMs: medianOrNull(floors.map((f) => f.longestCpuMs)),
    kinds: results,
  };
}

const floorText = (f: PingFigures) => `${ms(f.slowestPingMs)}, ${cpuText(f)}`;
const cpuText = (f: PingFigures) => (f.longestCpuMs === null ? "no /proc" : `event loop's CPU ${ms(f.longestCpuMs)}`);

function medianOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? medianOf(known) : null;
}

/**
 * One row per kind: the median slowest ping is judged against the target, the event loop's CPU time beside it says
 * how much of that was the server's own work (the rest: the machine's other load).
 */
export function requestStallRows(f: RequestStalls): Row[] {
  return f.kinds.map(({ kind, rounds }) => {
    const slowest = medianOf(rounds.map((r) => r.slowestPingMs));
    const cpu = medianOrNull(rounds.map((r) => r.longestCpuMs));
    const cpuPart = cpu === null ? "" : `, event loop's CPU ${ms(cpu)}`;
    const each = rounds.map((r) => ms(r.slowestPingMs)).join(", ");
    const took = medianOf(rounds.map((r) => r.requestMs));
    return {
      workload: `longest event-loop block: ${kind}`,
      keyhold: `slowest /healthz ${ms(slowest)}${cpuPart} (median of ${rounds.length}: ${each}; took ${ms(took)})`,
      baseline: `slowest /healthz ${ms(f.floorSlowestPingMs)}${f.floorCpuMs === null ? "" : `, CPU ${ms(f.floorCpuMs)}`} idle`,
      ratio: "",
      target: `≤ ${TARGET_MS} ms`,
      met: slowest <= TARGET_MS,
      errors: null,
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  installSignalHandlers();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const main = async () => {
    log(`request stalls: GET /healthz every ${PING_EVERY_MS} ms while each kind of request runs, ${ROUNDS} rounds each`);
    const figures = await requestStallFigures(log);
    process.stdout.write(`\n${formatTable(requestStallRows(figures))}\n\n${JSON.stringify(figures)}\n`);
  };
  main()
    .then(cleanUp)
    .catch(async (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await cleanUp();
      process.exit(1);
    });
}
