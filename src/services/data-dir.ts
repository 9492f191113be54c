import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../core/index.ts";

/**
 * Makes sure the data directory exists and is writable, with a sentence that says the fix when
 * it is not (never a stack trace).
 */
export async function ensureWritableDataDir(dataDir: string): Promise<string> {
  const absolute = path.resolve(dataDir);
  try {
    mkdirSync(absolute, { recursive: true });
    await access(absolute, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new AppError(
      "ERR_DATA_DIR_UNWRITABLE",
      `cannot write to data directory ${absolute} (${code}): fix its permissions or choose another with --data-dir DIR`,
      { cause: error },
    );
  }
  return absolute;
}

export interface DataDirLock {
  release(): void;
}

const LOCK_FILE = "tollgate.lock";

/**
 * One `tollgate serve` per data directory: a lock file created exclusively (O_EXCL) holding our
 * PID. A lock left by a dead process (crash, SIGKILL) is taken over; a live holder is an error
 * naming its PID.
 */
export function lockDataDir(dataDir: string, pid: number): DataDirLock {
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(lockPath, "utf8").trim() === String(pid)) rmSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new AppError(
          "ERR_DATA_DIR_UNWRITABLE",
          `cannot create ${lockPath} (${(error as NodeJS.ErrnoException).code ?? "error"}): fix the data directory's permissions or choose another with --data-dir DIR`,
          { cause: error },
        );
      }
      const holder = lockHolder(lockPath);
      if (holder !== undefined && holder !== pid && processAlive(holder)) {
        throw new AppError(
          "ERR_DATA_DIR_LOCKED",
          `another tollgate serve (pid ${holder}) is using data directory ${dataDir}: stop it first, or give this one another --data-dir DIR`,
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new AppError(
    "ERR_DATA_DIR_LOCKED",
    `cannot take the lock ${lockPath}: another process keeps recreating it; stop other tollgate processes using ${dataDir}`,
  );
}

/** The PID of the serve holding the data directory, if one is alive. */
export function liveLockHolder(dataDir: string): number | undefined {
  const holder = lockHolder(path.join(dataDir, LOCK_FILE));
  return holder !== undefined && processAlive(holder) ? holder : undefined;
}

function lockHolder(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
