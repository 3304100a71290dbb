import { spawnSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPrivateKey, signDigest } from "../../src/crypto/openssl-native.js";
import type { SignatureAlgorithm } from "../../src/crypto/key-types.js";
import { digestSigner, type CertificateSigner } from "../../src/crypto/x509/signer.js";

/** Test key pairs, and signers that sign as a key backend does: over a digest, returning the JWS form. */
export interface TestKey {
  label: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  algorithm: SignatureAlgorithm;
}

const cache = new Map<string, TestKey>();

export function rsaKey(bits: number, algorithm: SignatureAlgorithm = "RS256"): TestKey {
  const label = `RSA-${bits}`;
  let base = cache.get(label);
  if (!base) {
    base = { label, ...generateKeyPairSync("rsa", { modulusLength: bits }), algorithm };
    cache.set(label, base);
  }
  return { ...base, label: `${label} ${algorithm}`, algorithm };
}

export function ecKey(namedCurve: string, algorithm: SignatureAlgorithm): TestKey {
  return { label: namedCurve, ...generateKeyPairSync("ec", { namedCurve }), algorithm };
}

export function signerFor(key: TestKey): CertificateSigner {
  const native = loadPrivateKey(key.privateKey.export({ type: "pkcs8", format: "der" }));
  return digestSigner(key.algorithm, (digest) => signDigest(native, key.algorithm, digest));
}

export interface OpensslWorkspace {
  run(args: string[]): { status: number; out: string };
  read(name: string): Buffer;
  dispose(): void;
}

/** A fresh directory holding `files`, in which the openssl CLI runs; its exit status and output are returned. */
export function opensslWorkspace(files: Record<string, string | Buffer> = {}): OpensslWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-x509-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return {
    run(args) {
      const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      return { status: result.status ?? -1, out: result.stdout + result.stderr };
    },
    read: (name) => readFileSync(join(dir, name)),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one openssl command in a throwaway workspace. */
export function openssl(args: string[], files: Record<string, string | Buffer> = {}): { status: number; out: string } {
  const workspace = opensslWorkspace(files);
  try {
    return workspace.run(args);
  } finally {
    workspace.dispose();
  }
}
