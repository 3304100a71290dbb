import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const storeFile = (t: TestApp): string => t.storeFile;

/** The sealed bytes of every version of a secret, read straight from the store file. */
function sealedOf(file: string, name: string): Buffer[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT sealed FROM object_versions WHERE kind = 'secret' AND name = ?").all(name) as { sealed: Buffer }[]).map(
      (r) => r.sealed,
    );
  } finally {
    db.close();
  }
}

/** Whether any part of the files holds a 24-byte run taken from the middle of each sealed record. */
function stillOnDisk(file: string, sealed: Buffer[]): boolean {
  const files = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f));
  return sealed.some((s) => {
    const probe = s.subarray(Math.floor(s.length / 2) - 12, Math.floor(s.length / 2) + 12);
    return files.some((bytes) => bytes.includes(probe));
  });
}

describe("purge erases", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "PUT" | "DELETE", url: string, body?: object) =>
    t.app.inject({
      method,
      url: `${url}?api-version=7.5`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });

  it("leaves no sealed byte of a purged secret in the database file or its WAL", async () => {
    for (const value of ["first version value", "second version value"]) {
      assert.equal((await call("PUT", "/secrets/doomed", { value: value.repeat(20) })).statusCode, 200);
    }
    const sealed = sealedOf(storeFile(t), "doomed");
    assert.equal(sealed.length, 2);
    assert.ok(stillOnDisk(storeFile(t), sealed), "the probe finds a stored record");
    assert.equal((await call("DELETE", "/secrets/doomed")).statusCode, 200);
    assert.equal((await call("DELETE", "/deletedsecrets/doomed")).statusCode, 204);
    assert.equal(stillOnDisk(storeFile(t), sealed), false, "a purged record's bytes remain on disk");
    assert.equal(existsSync(`${storeFile(t)}-wal`) ? readFileSync(`${storeFile(t)}-wal`).length : 0, 0, "the WAL was emptied");
  });
});
