import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { auditFilesIn } from "../../src/server/audit/audit-files.js";
import { FileAuditSink } from "../../src/server/audit/audit-file-sink.js";
import { AUDIT_PUBLIC_KEY_FILE } from "../../src/server/audit/open-audit-trail.js";
import { appendSearchableEntries, openTestTrail, testSigner } from "../support/audit-fixtures.js";
import { runKeyhold } from "../support/cli.js";

describe("keyhold audit", () => {
  let dir: string;
  const signer = testSigner();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-cli-audit-"));
    const trail = await openTestTrail(new FileAuditSink(dir, "node-a", 1 << 20), signer);
    await appendSearchableEntries(trail);
    await trail.close();
    writeFileSync(join(dir, AUDIT_PUBLIC_KEY_FILE), signer.publicKeyPem);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("verify passes an intact directory and file, and names the first edited line with exit status 1", async () => {
    const ok = runKeyhold({}, ["audit", "verify", "--dir", dir]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      files: 1,
      entries: 8,
      checkpoints: 2,
      signaturesChecked: 2,
      unsignedTail: 0,
      verified: true,
    });
    const [file] = await auditFilesIn(dir);
    assert.equal(runKeyhold({}, ["audit", "verify", "--file", file!.path]).status, 0);

    const original = readFileSync(file!.path, "utf8");
    writeFileSync(file!.path, original.replace('"s2"', '"s7"'));
    try {
      const broken = runKeyhold({}, ["audit", "verify", "--dir", dir]);
      assert.equal(broken.status, 1);
      assert.match(broken.stderr, /^ERROR: .*audit-node-a-000001\.jsonl, line 3 \(seq 3\): edited/);
      assert.equal(broken.stderr.trim().split("\n").length, 1);
    } finally {
      writeFileSync(file!.path, original);
    }
  });

  it("tail prints the newest entries and search those matching every filter", () => {
    const tail = runKeyhold({}, ["audit", "tail", "-n", "2", "--dir", dir]);
    assert.equal(tail.status, 0, tail.stderr);
    assert.deepEqual(
      tail.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).seq),
      [7, 8],
    );
    const found = runKeyhold({}, ["audit", "search", "--vault", "v1", "--operation", "secretget", "--since", "1h", "--dir", dir]);
    assert.equal(found.status, 0, found.stderr);
    assert.deepEqual(
      found.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).requestId),
      ["request-0", "request-1", "request-2", "request-3", "request-5"],
    );
    const byCaller = runKeyhold({}, ["audit", "search", "--caller", "nobody", "--dir", dir]);
    assert.equal(byCaller.stdout, "");
    const later = runKeyhold({}, ["audit", "search", "--since", "2999-01-01T00:00:00Z", "--dir", dir]);
    assert.equal(later.stdout, "");
  });

  it("says in one line where there is no trail", () => {
    const none = runKeyhold({}, ["audit", "verify", "--dir", join(dir, "absent")]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^ERROR: .*holds no audit files/);
  });
});
