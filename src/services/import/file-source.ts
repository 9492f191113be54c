import { createHash } from "node:crypto";
import { createReadStream, openSync, closeSync, readSync } from "node:fs";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";

/** Raw bytes hashed to recognise a file again (a replaced file, a copy under another name). */
export const HEAD_BYTES = 4096;

export interface FileHead {
  /** SHA-256 (hex) of the first `bytes` raw bytes. */
  sha256: string;
  bytes: number;
  gzip: boolean;
}

/** Hashes the first `limit` raw bytes of `file` (fewer when the file is shorter). */
export function readHead(file: string, limit = HEAD_BYTES): FileHead {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const read = readSync(fd, buffer, length, limit - length, length);
      if (read === 0) break;
      length += read;
    }
    const head = buffer.subarray(0, length);
    return {
      sha256: createHash("sha256").update(head).digest("hex"),
      bytes: length,
      // RFC 1952 §2.3.1: ID1 ID2.
      gzip: length >= 2 && head[0] === 0x1f && head[1] === 0x8b,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The decoded bytes of a file, in chunks: gunzipped when it is gzip (concatenated members
 * included, as `cat a.gz b.gz` makes), as is otherwise. `rawBytesRead()` is how far into the
 * file the reader is, for a progress bar over compressed files. Memory is one chunk, whatever
 * the file size.
 */
export function openDecoded(
  file: string,
  gzip: boolean,
): { chunks: AsyncIterable<Buffer>; rawBytesRead: () => number; close: () => void } {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const decoded: Readable = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  if (gzip) raw.on("error", (error) => decoded.destroy(error));
  return {
    chunks: decoded as AsyncIterable<Buffer>,
    rawBytesRead: () => raw.bytesRead,
    close: () => {
      raw.destroy();
      decoded.destroy();
    },
  };
}

/**
 * Takes the first `bytes` decoded bytes of a chunk stream (for recognising the format) and
 * gives back a stream that yields them again before the rest: the file is opened and
 * decompressed once, not once to sniff and once to read.
 */
export async function peekChunks(
  chunks: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  // next() by hand: leaving a for-await early would destroy the stream.
  const iterator = chunks[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    taken.push(next.value);
    length += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* taken;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { head: Buffer.concat(taken).subarray(0, bytes), chunks: replay() };
}
