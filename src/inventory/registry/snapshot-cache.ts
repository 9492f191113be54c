/**
 * The registry's snapshot file in a cache directory: the key that says which inputs a snapshot
 * answers for, and reading and writing the file. The cache only ever saves time: a missing,
 * stale or damaged file means "load from the sources", and deleting it is always safe.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import {
  REGISTRY_SNAPSHOT_VERSION,
  RegistrySnapshotError,
  decodeRegistrySnapshot,
  readRegistrySnapshotKey,
} from "./snapshot.ts";
import type { RegistrySnapshot } from "./snapshot.ts";

/**
 * One file per cache directory, whatever the options: the directory's size stays bounded (one
 * snapshot, 30-odd MiB with the default data) and a configuration change rebuilds it once.
 */
export const REGISTRY_SNAPSHOT_FILE = "address-registry.snapshot";

/** A file the registry reads, as the planner resolved it. */
export interface SnapshotInput {
  readonly field: string;
  readonly kind: string;
  readonly format: string;
  /** Absolute path. */
  readonly file: string;
  /** The data package's version for the defaults; undefined for the user's files. */
  readonly version: string | undefined;
}

/**
 * The key of a load: the snapshot format, the files in order (the later wins where ranges
 * overlap, so order matters) with what the options made of them, and each file's size and
 * modification time. Undefined when a file cannot be stat'ed: then the load from the sources
 * will report it, and nothing is cached.
 *
 * The files are stat'ed before they are read, so a file replaced during a load leaves a key
 * with its old time and the next load rebuilds.
 */
export async function registrySnapshotKey(
  inputs: readonly SnapshotInput[],
): Promise<string | undefined> {
  const files: unknown[] = [];
  for (const input of inputs) {
    const info = await stat(input.file).catch(() => undefined);
    if (info === undefined) return undefined;
    files.push({
      field: input.field,
      kind: input.kind,
      format: input.format,
      file: input.file,
      version: input.version ?? null,
      bytes: info.size,
      mtimeMs: info.mtimeMs,
    });
  }
  return JSON.stringify({ format: REGISTRY_SNAPSHOT_VERSION, files });
}

export type SnapshotRead =
  | { readonly ok: true; readonly snapshot: RegistrySnapshot }
  | { readonly ok: false; readonly reason: string };

/** The snapshot in `cacheDir` when it exists, is whole and was built for `key`. */
export async function readRegistrySnapshot(cacheDir: string, key: string): Promise<SnapshotRead> {
  const file = path.join(cacheDir, REGISTRY_SNAPSHOT_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? "no snapshot yet" : String(error) };
  }
  try {
    if (readRegistrySnapshotKey(bytes) !== key) {
      return { ok: false, reason: "built from other files, options or versions" };
    }
    return { ok: true, snapshot: decodeRegistrySnapshot(bytes) };
  } catch (error) {
    // Damage is a cache miss, never an error: the sources are still there.
    if (!(error instanceof RegistrySnapshotError)) throw error;
    return { ok: false, reason: `damaged: ${error.message}` };
  }
}

/**
 * Writes the snapshot so that a reader sees the old file or the new one, never a part: into a
 * temporary file of its own (two processes may write at once), fsynced, then renamed over the
 * old one, and the directory fsynced so the rename survives a crash.
 */
export async function writeRegistrySnapshot(cacheDir: string, bytes: Uint8Array): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const target = path.join(cacheDir, REGISTRY_SNAPSHOT_FILE);
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // Windows cannot open a directory (EISDIR, EPERM): its rename is durable without this.
  const directory = await open(cacheDir, "r").catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "EPERM") return undefined;
    throw error;
  });
  try {
    await directory?.sync();
  } finally {
    await directory?.close();
  }
}
