import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { gcmEncrypt } from "../src/crypto/aes.js";
import { Envelope } from "../src/crypto/envelope.js";
import { aesGcmOpen, aesGcmSeal } from "../src/crypto/openssl-native.js";
import { parseJsonBody } from "../src/server/wire/json-body.js";
import { parseKeyOperation } from "../src/server/wire/key-wire.js";

/**
 * CPU time per AES-GCM call, in process (no HTTP, so other loads on the machine blur it less): node:crypto's
 * Cipheriv against the binding's one-shot call at 200 B and 4 KB, and the pieces of a 4 KB A256GCM encrypt request
 * that are not TLS or HTTP. Each row is the fastest of ROUNDS rounds, the rows alternating within a round.
 * Run: node dist/bench/aes-gcm-cost.js
 */
const ROUNDS = 5;
const AAD = Buffer.from("secret/vault/name/0123456789abcdef0123456789abcdef");

/** CPU microseconds per call of `op`, over enough calls to take about 100 ms. */
function cpuMicros(op: () => unknown): number {
  const calls = 20_000;
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) op();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

function nodeSeal(key: Buffer, iv: Buffer, plaintext: Buffer): Buffer[] {
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(AAD);
  return [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
}

function nodeOpen(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(AAD).setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  decipher.final();
  return plaintext;
}

function rows(): Array<[string, () => unknown]> {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cases: Array<[string, () => unknown]> = [];
  for (const size of [200, 4096]) {
    const plaintext = randomBytes(size);
    const [ciphertext, , tag] = nodeSeal(key, iv, plaintext) as [Buffer, Buffer, Buffer];
    cases.push(
      [`seal ${size} B, node:crypto`, () => nodeSeal(key, iv, plaintext)],
      [`seal ${size} B, binding`, () => aesGcmSeal(key, iv, plaintext, AAD)],
      [`open ${size} B, node:crypto`, () => nodeOpen(key, iv, ciphertext, tag)],
      [`open ${size} B, binding`, () => aesGcmOpen(key, iv, ciphertext, tag, AAD)],
    );
  }
  const envelope = new Envelope(randomBytes(32));
  const record = envelope.seal(randomBytes(200), "secret/vault/name/version");
  const body = Buffer.from(JSON.stringify({ alg: "A256GCM", value: randomBytes(4096).toString("base64url") }));
  const plaintext = randomBytes(4096);
  const sealed = gcmEncrypt(key, plaintext, undefined);
  const answer = {
    kid: "https://localhost/keys/bench-aes/0123456789abcdef0123456789abcdef",
    value: sealed.ciphertext,
    iv,
    tag: sealed.tag,
  };
  cases.push(
    ["envelope open 200 B (data key cached)", () => envelope.open(record, "secret/vault/name/version")],
    ["envelope seal 200 B", () => envelope.seal(plaintext.subarray(0, 200), "secret/vault/name/version")],
    ["A256GCM encrypt 4 KB: random IV", () => randomBytes(12)],
    ["A256GCM encrypt 4 KB: gcmEncrypt", () => gcmEncrypt(key, plaintext, undefined)],
    ["A256GCM encrypt 4 KB: JSON body and base64url", () => parseKeyOperation(parseJsonBody(body))],
    [
      "A256GCM encrypt 4 KB: answer's base64url and JSON",
      () =>
        JSON.stringify({
          ...answer,
          value: answer.value.toString("base64url"),
          iv: iv.toString("base64url"),
          tag: answer.tag.toString("base64url"),
        }),
    ],
  );
  return cases;
}

function main(): void {
  const cases = rows();
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, op] of cases) best.set(name, Math.min(best.get(name) ?? Infinity, cpuMicros(op)));
  }
  for (const [name, micros] of best) console.log(`${micros.toFixed(2).padStart(7)} µs  ${name}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
