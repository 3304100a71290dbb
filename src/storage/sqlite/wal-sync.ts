import { type FileHandle, open } from "node:fs/promises";

/**
 * The commit-time sync of a SQLite WAL file, done on the thread pool: fdatasync of `FILE-wal`. The file exists
 * from the first commit on and keeps its inode while any connection is open (a checkpoint rewrites it in place),
 * so one descriptor serves until close.
 */
export class WalSync {
  #handle: FileHandle | null = null;

  constructor(private readonly walFile: string) {}

  readonly flush = async (): Promise<void> => {
    this.#handle ??= await open(this.walFile, "r");
    await this.#handle.datasync();
  };

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
  }
}
