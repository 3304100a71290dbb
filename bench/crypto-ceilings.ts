import { type KeyObject, generateKeyPair, generateKeyPairSync, randomBytes, sign, webcrypto } from "node:crypto";
import { availableParallelism } from "node:os";

/**
 * The machine's own ceilings for the private-key operations, with no HTTP: node:crypto (OpenSSL) on the libuv
 * thread pool with enough operations in flight to keep every pool thread (and so every core) busy.
 */
export interface CeilingResult {
  opsPerSec: number;
  ops: number;
  seconds: number;
  inFlight: number;
  threadPoolSize: number;
}

const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const IN_FLIGHT = Math.max(16, 4 * Math.max(THREAD_POOL_SIZE, availableParallelism()));

/** Runs `op` from IN_FLIGHT concurrent loops: a warm-up, then counts completions over `seconds`. */
async function saturate(op: () => Promise<unknown>, seconds: number, warmupSeconds: number): Promise<CeilingResult> {
  const warmEnd = performance.now() + warmupSeconds * 1000;
  const end = warmEnd + seconds * 1000;
  let ops = 0;
  const loop = async () => {
    for (let now = performance.now(); now < end; now = performance.now()) {
      await op();
      const done = performance.now();
      if (done >= warmEnd && done < end) ops++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  return { opsPerSec: ops / seconds, ops, seconds, inFlight: IN_FLIGHT, threadPoolSize: THREAD_POOL_SIZE };
}

/** RSA-2048 PKCS#1 v1.5 SHA-256 signatures (RS256), crypto.sign with a callback (thread pool). */
export function rs256Ceiling(seconds: number, warmupSeconds: number): Promise<CeilingResult> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const data = randomBytes(32);
  const signOnce = (key: KeyObject) =>
    new Promise<Buffer>((done, fail) => sign("sha256", data, key, (error, signature) => (error ? fail(error) : done(signature))));
  return saturate(() => signOnce(privateKey), seconds, warmupSeconds);
}

/** RSA-2048 OAEP SHA-256 decryptions, WebCrypto subtle.decrypt (thread pool). */
export async function oaep256Ceiling(seconds: number, warmupSeconds: number): Promise<CeilingResult> {
  const { subtle } = webcrypto;
  const algorithm = { name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const { publicKey, privateKey } = await subtle.generateKey(algorithm, false, ["encrypt", "decrypt"]);
  const ciphertext = await subtle.encrypt({ name: "RSA-OAEP" }, publicKey, randomBytes(32));
  return saturate(() => subtle.decrypt({ name: "RSA-OAEP" }, privateKey, ciphertext), seconds, warmupSeconds);
}

/**
 * RSA-2048 key pairs (public exponent 65537), crypto.generateKeyPair with a callback (thread pool), as Keyhold makes
 * a certificate's key. A prime search of random length: each figure varies more than a signature's.
 */
export function rsaKeygenCeiling(seconds: number, warmupSeconds: number): Promise<CeilingResult> {
  const generateOnce = () =>
    new Promise<void>((done, fail) => generateKeyPair("rsa", { modulusLength: 2048 }, (error) => (error ? fail(error) : done())));
  return saturate(generateOnce, seconds, warmupSeconds);
}
