import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { auditFilesIn } from "../../src/server/audit/audit-files.js";
import { FileAuditSink } from "../../src/server/audit/audit-file-sink.js";
import { AuditTrail } from "../../src/server/audit/audit-trail.js";
import { verifyAuditFiles } from "../../src/server/audit/audit-verify.js";
import { SwitchableSink, openTestTrail, testRecord, testSigner } from "../support/audit-fixtures.js";

describe("the audit trail's chain", () => {
  let dir: string;
  const signer = testSigner();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-audit-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeEntries(count: number, maxFileBytes = 1 << 20): Promise<void> {
    const trail = await openTestTrail(new FileAuditSink(dir, "node-a", maxFileBytes), signer);
    for (let i = 0; i < count; i++) await trail.append(testRecord(i));
    await trail.close();
  }
  const paths = async () => (await auditFilesIn(dir)).map((f) => f.path);
  const verify = async () => verifyAuditFiles(await paths(), signer.publicKeyPem);
  const onlyFile = async () => (await paths())[0]!;
  const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);
  const writeLines = (path: string, lines: string[]) => writeFileSync(path, `${lines.join("\n")}\n`);

  it("passes an intact trail, its checkpoints signed and covering every entry", async () => {
    await writeEntries(12);
    const result = await verify();
    assert.equal(result.problem, null);
    // 12 entries, a checkpoint after every 5 and a last one at close: 15 lines, all signed.
    assert.equal(result.entries, 15);
    assert.equal(result.checkpoints, 3);
    assert.equal(result.signaturesChecked, 3);
    assert.equal(result.unsignedTail, 0);
    const first = JSON.parse(linesOf(await onlyFile())[0]!);
    assert.equal(first.seq, 1);
    assert.equal(first.node, "node-a");
    assert.equal(first.prev, "0".repeat(64));
  });

  it("names an edited line", async () => {
    await writeEntries(8);
    const file = await onlyFile();
    const lines = linesOf(file);
    lines[2] = lines[2]!.replace('"s2"', '"s9"');
    writeLines(file, lines);
    const { problem } = await verify();
    assert.deepEqual([problem?.kind, problem?.line, problem?.seq], ["edited", 3, 3]);
  });

  it("names where a line was removed", async () => {
    await writeEntries(8);
    const file = await onlyFile();
    const lines = linesOf(file);
    lines.splice(3, 1);
    writeLines(file, lines);
    const { problem } = await verify();
    assert.deepEqual([problem?.kind, problem?.line, problem?.seq], ["missing", 4, 5]);
    assert.match(problem!.message, /seq 4 is missing/);
  });

  it("names reordered lines", async () => {
    await writeEntries(8);
    const file = await onlyFile();
    const lines = linesOf(file);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    writeLines(file, lines);
    const { problem } = await verify();
    assert.deepEqual([problem?.kind, problem?.line, problem?.seq], ["reordered", 4, 5]);
  });

  it("refuses a checkpoint not signed by the audit key, and any key but the audit key", async () => {
    await writeEntries(3);
    const file = await onlyFile();
    const lines = linesOf(file);
    const last = JSON.parse(lines.at(-1)!);
    assert.equal(last.type, "checkpoint");
    lines[lines.length - 1] = JSON.stringify({ ...last, signature: Buffer.alloc(64).toString("base64") });
    writeLines(file, lines);
    assert.equal((await verify()).problem?.kind, "bad-signature");
    writeLines(file, linesOf(file).slice(0, -1));
    await writeEntries(1);
    assert.equal((await verifyAuditFiles(await paths(), testSigner().publicKeyPem)).problem?.kind, "bad-signature");
  });

  it("continues the chain across a restart and across files, and cuts off a line a crash left unfinished", async () => {
    await writeEntries(4);
    appendFileSync(await onlyFile(), '{"seq":99,"node":"node-a","ti');
    await writeEntries(40, 2048);
    const files = await paths();
    assert.ok(files.length > 2, `the trail was rotated (${readdirSync(dir).join(", ")})`);
    const result = await verify();
    assert.equal(result.problem, null);
    const seqs = files.flatMap((f) => linesOf(f).map((l) => JSON.parse(l).seq as number));
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
    );
  });

  it("writes concurrent appends in batches, one write for many", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    await Promise.all(Array.from({ length: 200 }, (_, i) => trail.append(testRecord(i))));
    assert.ok(sink.writes < 20, `${sink.writes} writes for 200 entries`);
    await trail.close();
    assert.equal((await verify()).entries, 201);
  });

  it("fails the appends of a failed write, and goes on from what the sink holds once it works again", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    await trail.append(testRecord(1));
    sink.failing = true;
    await assert.rejects(trail.append(testRecord(2)), /write failed/);
    sink.failing = false;
    await trail.append(testRecord(3));
    await trail.close();
    const result = await verify();
    assert.equal(result.problem, null);
    assert.deepEqual(
      linesOf(await onlyFile()).map((l) => JSON.parse(l).requestId ?? "checkpoint"),
      ["request-1", "request-3", "checkpoint"],
    );
  });

  it("flushes concurrent durable appends in groups, one fdatasync for many", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    await Promise.all(Array.from({ length: 200 }, (_, i) => trail.append(testRecord(i))));
    assert.ok(sink.syncs >= 1 && sink.syncs < 20, `${sink.syncs} flushes for 200 entries`);
    await trail.close();
  });

  it("answers a written append without waiting for a flush, and a durable one only after it", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    let openGate = () => {};
    sink.syncGate = new Promise((resolve) => (openGate = resolve));
    let durableDone = false;
    const durable = trail.append(testRecord(1), "durable").then(() => (durableDone = true));
    await trail.append(testRecord(2), "written");
    assert.equal(durableDone, false, "the durable entry waits for its flush");
    assert.equal(linesOf(await onlyFile()).length, 2, "both lines are in the file before any flush");
    openGate();
    await durable;
    await trail.close();
    assert.equal((await verify()).problem, null);
  });

  it("flushes written entries soon after, though nobody waits for it", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    await trail.append(testRecord(1), "written");
    assert.equal(sink.syncs, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sink.syncs, 1);
    await trail.close();
  });

  it("fails a durable append whose flush fails, while written ones still succeed", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    sink.failingSync = true;
    await assert.rejects(trail.append(testRecord(1), "durable"), /fdatasync failed/);
    await trail.append(testRecord(2), "written");
    sink.failingSync = false;
    await trail.append(testRecord(3), "durable");
    await trail.close();
    assert.equal((await verify()).problem, null);
  });

  it("says it cannot write after a failed write or flush, until a checkpoint can be written and flushed", async () => {
    const sink = new SwitchableSink(new FileAuditSink(dir, "node-a", 1 << 20));
    const trail = await openTestTrail(sink, signer, 1000);
    await trail.checkWritable();
    sink.failing = true;
    await assert.rejects(trail.append(testRecord(1)));
    await assert.rejects(trail.checkWritable());
    sink.failing = false;
    sink.failingSync = true;
    await assert.rejects(trail.checkWritable(), /fdatasync failed/);
    sink.failingSync = false;
    await trail.checkWritable();
    await trail.close();
    assert.equal((await verify()).problem, null);
  });

  it("tells of each checkpoint once written, as it stands in the file", async () => {
    const told: unknown[] = [];
    const trail = await AuditTrail.open(new FileAuditSink(dir, "node-a", 1 << 20), signer, {
      node: "node-a",
      checkpointEvery: 3,
      checkpointIntervalMs: 60_000,
      hmacKey: randomBytes(32),
      onCheckpoint: (checkpoint) => told.push(checkpoint),
    });
    for (let i = 0; i < 3; i++) await trail.append(testRecord(i));
    await trail.close();
    const checkpoints = linesOf(await onlyFile())
      .map((line) => JSON.parse(line) as { type: string })
      .filter((entry) => entry.type === "checkpoint");
    assert.equal(checkpoints.length, 1);
    assert.deepEqual(told, checkpoints);
  });
});
