import { writeSync } from "node:fs";
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { GENESIS_HASH, lineHash } from "./audit-entry.js";
import { type AuditFile, auditFileName, auditFilesIn } from "./audit-files.js";
import { type AuditSearch, matchesSearch, newestFirst } from "./audit-search.js";
import type { AuditSink, ChainHead } from "./audit-sink.js";

/** Enough of a file's end to hold its last entries (an entry is well under a kilobyte). */
const TAIL_BYTES = 64 * 1024;

interface OpenFile {
  handle: FileHandle;
  index: number;
  size: number;
}

/**
 * The trail as files in a directory, `audit-<node>-<n>.jsonl`: appended to, made durable with fdatasync, and
 * continued in the next file once one reaches `maxFileBytes` (the chain runs on across files). Files
 * and directory are the owner's alone (0600, 0700).
 */
export class FileAuditSink implements AuditSink {
  #file: OpenFile | null = null;
  /** Lines written since the last fdatasync. */
  #unsynced = false;
  /** A file was closed (after a failed write) with lines that could not be flushed: the next sync must fail. */
  #syncLost = false;

  constructor(
    private readonly dir: string,
    private readonly node: string,
    private readonly maxFileBytes: number,
  ) {}

  /**
   * The chain's last entry, read from the newest file. A line left unfinished by a crash or a failed write is cut
   * off: it was never made durable, so the request it announced was refused and never ran.
   */
  async head(): Promise<ChainHead> {
    await this.#closeFile();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const files = (await auditFilesIn(this.dir)).filter((f) => f.node === this.node);
    for (const file of files.reverse()) {
      const last = await lastCompleteLine(file);
      if (last) return { seq: (JSON.parse(last) as { seq: number }).seq, hash: lineHash(last) };
    }
    return { seq: 0, hash: GENESIS_HASH };
  }

  /** Each node's files newest first, until the node has given `limit` matches: older files are not read. */
  async search(filter: AuditSearch, limit: number): Promise<string[]> {
    const found: string[] = [];
    const files = await auditFilesIn(this.dir);
    for (const node of new Set(files.map((f) => f.node))) {
      let matches = 0;
      for (const file of files.filter((f) => f.node === node).reverse()) {
        const lines = (await readFile(file.path, "utf8")).split("\n").filter((line) => matchesSearch(line, filter));
        found.push(...lines);
        matches += lines.length;
        if (matches >= limit) break;
      }
    }
    return newestFirst(found, limit);
  }

  async write(lines: readonly string[]): Promise<void> {
    const bytes = Buffer.from(lines.join(""), "utf8");
    try {
      let file = this.#file ?? (await this.#openNewest());
      if (file.size > 0 && file.size + bytes.length > this.maxFileBytes) file = await this.#rotate(file);
      this.#unsynced = true;
      appendAll(file.handle.fd, bytes);
      file.size += bytes.length;
    } catch (error) {
      await this.#closeFile();
      throw error;
    }
  }

  /** One fdatasync of the current file: a file left behind by rotation was flushed when it was left. */
  async sync(): Promise<void> {
    if (this.#syncLost) {
      this.#syncLost = false;
      throw new Error("audit lines written before a failed write could not be flushed");
    }
    const file = this.#file;
    if (!file || !this.#unsynced) return;
    this.#unsynced = false;
    try {
      await file.handle.datasync();
    } catch (error) {
      this.#unsynced = true;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#closeFile();
  }

  async #openNewest(): Promise<OpenFile> {
    const files = (await auditFilesIn(this.dir)).filter((f) => f.node === this.node);
    return this.#openAt(files.at(-1)?.index ?? 1);
  }

  async #openAt(index: number): Promise<OpenFile> {
    const handle = await open(join(this.dir, auditFileName(this.node, index)), "a", 0o600);
    this.#file = { handle, index, size: (await handle.stat()).size };
    return this.#file;
  }

  async #rotate(file: OpenFile): Promise<OpenFile> {
    // Lines written but not yet flushed must not be lost with the file being left.
    await file.handle.datasync();
    this.#unsynced = false;
    await this.#closeFile();
    const next = await this.#openAt(file.index + 1);
    // The new name must survive a crash too, or the chain would seem to end at the previous file.
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return next;
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    if (!file) return;
    try {
      if (this.#unsynced) await file.handle.datasync();
    } catch {
      this.#syncLost = true;
    } finally {
      this.#unsynced = false;
      await file.handle.close().catch(() => undefined);
    }
  }
}

/**
 * One write(2) on the event loop, not on the thread pool: appending a batch to the page cache takes microseconds,
 * while handing it to a pool thread and back costs a read that waits on it far more on a busy machine. The store
 * writes the same way. A short write (a full disk) continues, or throws.
 */
function appendAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** The last line of a file that ends in a newline; an unfinished line after it is truncated away. */
async function lastCompleteLine(file: AuditFile): Promise<string | null> {
  const handle = await open(file.path, "r+");
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const end = buffer.lastIndexOf(0x0a);
    if (end + 1 < buffer.length) {
      await handle.truncate(start + end + 1);
      await handle.datasync();
    }
    if (end < 0) return null;
    const before = end > 0 ? buffer.lastIndexOf(0x0a, end - 1) : -1;
    return buffer.subarray(before + 1, end).toString("utf8");
  } finally {
    await handle.close();
  }
}
