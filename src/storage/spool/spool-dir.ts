import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../core/index.ts";
import { readSpoolFileSummary, SPOOL_FILE_FIXED_BYTES, SpoolFormatError } from "./spool-file.ts";

/** A complete spool file: published (renamed into place), in sequence order. */
export interface SpoolEntry {
  seq: number;
  records: number;
  bytes: number;
  name: string;
}

export interface SpoolScan {
  /** Complete files, oldest (lowest sequence) first. */
  entries: SpoolEntry[];
  /** Files whose fixed header was unreadable, moved to `quarantine/`. */
  quarantined: { name: string; reason: string }[];
  /** Half-written files of a previous run (never acknowledged), removed. */
  tempRemoved: number;
}

/**
 * The spool directory on disk: published batch files `<seq>.batch`, temp files `<seq>.tmp`
 * while one is written, `quarantine/` for files that cannot be replayed, and `spool.json`
 * (this spool's id and the sequence numbers reserved so far).
 *
 * Sequence numbers only grow, across restarts and crashes: the store remembers the last one it
 * committed (see spooling-store.ts), and a number handed out twice could make a new batch look
 * already stored. They are reserved in blocks (`spool.json` written once per block, not once
 * per batch) and a restart continues after the reserved block, never inside it.
 */
export interface SpoolDirectory {
  readonly dir: string;
  /** Random, made when the directory is first used; names this spool's store checkpoint. */
  id(): string;
  /** Creates the directory, removes temp files, quarantines unreadable ones, lists the rest. */
  open(): Promise<SpoolScan>;
  nextSeq(): Promise<number>;
  /** Writes a file durably: temp name, fsync, rename, fsync of the directory. */
  write(seq: number, records: number, bytes: Uint8Array): Promise<SpoolEntry>;
  read(entry: SpoolEntry): Promise<Buffer>;
  remove(entry: SpoolEntry): Promise<void>;
  quarantine(name: string): Promise<void>;
}

const STATE_FILE = "spool.json";
const QUARANTINE_DIR = "quarantine";
const SEQ_BLOCK = 4096;
const BATCH_FILE = /^(\d{16})\.batch$/;

const fileName = (seq: number): string => `${String(seq).padStart(16, "0")}.batch`;

async function syncDir(dir: string): Promise<void> {
  // A rename is durable only once the directory itself is (POSIX: fsync the directory).
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(target: string, bytes: Uint8Array): Promise<void> {
  const temp = `${target}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  await syncDir(path.dirname(target));
}

export function createSpoolDirectory(dir: string): SpoolDirectory {
  let spoolId = "";
  let next = 1;
  let reservedThrough = 0;

  const saveState = async (): Promise<void> => {
    await writeDurably(
      path.join(dir, STATE_FILE),
      Buffer.from(JSON.stringify({ id: spoolId, reservedThrough })),
    );
  };

  const fail = (what: string, cause: unknown): AppError =>
    new AppError(
      "ERR_SPOOL_WRITE",
      `cannot ${what} in spool directory ${dir}: ${cause instanceof Error ? cause.message : String(cause)}; check that it exists, is writable and has free space (storage.spool.dir)`,
      { cause },
    );

  return {
    dir,
    id: () => spoolId,
    async open() {
      try {
        await mkdir(path.join(dir, QUARANTINE_DIR), { recursive: true });
      } catch (cause) {
        throw new AppError(
          "ERR_SPOOL_OPEN",
          `cannot create spool directory ${dir}: ${(cause as Error).message}; set storage.spool.dir to a writable directory`,
          { cause },
        );
      }
      let state: { id?: unknown; reservedThrough?: unknown } = {};
      try {
        state = JSON.parse(await readFile(path.join(dir, STATE_FILE), "utf8")) as typeof state;
      } catch {
        // First use, or a damaged state file: a new id (the files are replayed as new).
      }
      spoolId =
        typeof state.id === "string" && /^[0-9a-f-]{36}$/.test(state.id) ? state.id : randomUUID();
      reservedThrough =
        typeof state.reservedThrough === "number" && Number.isSafeInteger(state.reservedThrough)
          ? state.reservedThrough
          : 0;
      const scan: SpoolScan = { entries: [], quarantined: [], tempRemoved: 0 };
      for (const name of await readdir(dir)) {
        if (name.endsWith(".tmp")) {
          await rm(path.join(dir, name), { force: true });
          scan.tempRemoved += 1;
          continue;
        }
        if (!BATCH_FILE.test(name)) continue;
        const file = path.join(dir, name);
        try {
          const handle = await open(file, "r");
          let head: Buffer;
          try {
            const { bytesRead, buffer } = await handle.read(
              Buffer.alloc(SPOOL_FILE_FIXED_BYTES),
              0,
              SPOOL_FILE_FIXED_BYTES,
              0,
            );
            head = buffer.subarray(0, bytesRead);
          } finally {
            await handle.close();
          }
          const summary = readSpoolFileSummary(head);
          if (fileName(summary.seq) !== name) {
            throw new SpoolFormatError(`holds sequence ${summary.seq}, named otherwise`);
          }
          scan.entries.push({ ...summary, bytes: (await stat(file)).size, name });
        } catch (error) {
          if (!(error instanceof SpoolFormatError)) throw error;
          await rename(file, path.join(dir, QUARANTINE_DIR, name));
          scan.quarantined.push({ name, reason: error.message });
        }
      }
      scan.entries.sort((a, b) => a.seq - b.seq);
      const lastFile = scan.entries.at(-1)?.seq ?? 0;
      next = Math.max(reservedThrough, lastFile) + 1;
      reservedThrough = next + SEQ_BLOCK - 1;
      try {
        await saveState();
      } catch (cause) {
        throw new AppError(
          "ERR_SPOOL_OPEN",
          `cannot write ${path.join(dir, STATE_FILE)}: ${(cause as Error).message}; set storage.spool.dir to a writable directory`,
          { cause },
        );
      }
      return scan;
    },
    async nextSeq() {
      if (next > reservedThrough) {
        reservedThrough = next + SEQ_BLOCK - 1;
        try {
          await saveState();
        } catch (cause) {
          throw fail("reserve sequence numbers", cause);
        }
      }
      const seq = next;
      next += 1;
      return seq;
    },
    async write(seq, records, bytes) {
      const name = fileName(seq);
      try {
        await writeDurably(path.join(dir, name), bytes);
      } catch (cause) {
        await rm(path.join(dir, `${name}.tmp`), { force: true }).catch(() => undefined);
        throw fail(`write ${name}`, cause);
      }
      return { seq, records, bytes: bytes.byteLength, name };
    },
    read: (entry) => readFile(path.join(dir, entry.name)),
    async remove(entry) {
      await rm(path.join(dir, entry.name), { force: true });
    },
    async quarantine(name) {
      await rename(path.join(dir, name), path.join(dir, QUARANTINE_DIR, name));
    },
  };
}
