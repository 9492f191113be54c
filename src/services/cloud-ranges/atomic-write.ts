/**
 * Replaces a file so that a reader (a collector reloading its ranges) sees the old content or
 * the new, never a part: write a temporary file in the same directory, flush it to disk, rename
 * it over the target (rename(2) is atomic within one file system).
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temporary = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temporary, "w", 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    // Leave no temporary behind; the error itself is the caller's to report.
    await rm(temporary, { force: true });
    throw error;
  }
}
