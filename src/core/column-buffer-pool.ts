/**
 * ArrayBuffers handed back by the thread a batch's columns were moved to, kept for the next
 * batch's columns. Without it every batch crossing to the DuckDB store thread was a fresh
 * allocation of its size (about 37 MB for 245,760 rows): the kernel zeroed and faulted in
 * those pages on the receive thread, page faults alone 7 % of its CPU (perf of `tollgate
 * serve` under NetFlow v9, 2026-11-22). Copying into buffers the pool already holds touches
 * memory that is mapped and warm.
 *
 * Bounded: it keeps at most `maxBuffers` buffers and `maxBytes` bytes, and drops the rest to
 * the garbage collector.
 */
export class ColumnBufferPool {
  private readonly buffers: ArrayBuffer[] = [];
  private bytes = 0;

  private readonly maxBuffers: number;
  private readonly maxBytes: number;

  constructor(maxBuffers = 128, maxBytes = 160 * 1024 * 1024) {
    this.maxBuffers = maxBuffers;
    this.maxBytes = maxBytes;
  }

  /** A buffer of at least `byteLength` bytes: the smallest kept one that fits, or a new one. */
  take(byteLength: number): ArrayBuffer {
    let best = -1;
    for (let index = 0; index < this.buffers.length; index++) {
      const size = (this.buffers[index] as ArrayBuffer).byteLength;
      if (size < byteLength) continue;
      if (best < 0 || size < (this.buffers[best] as ArrayBuffer).byteLength) best = index;
    }
    if (best < 0) return new ArrayBuffer(byteLength);
    const [buffer] = this.buffers.splice(best, 1) as [ArrayBuffer];
    this.bytes -= buffer.byteLength;
    return buffer;
  }

  /** Keeps `buffers` for later takes, as far as the bounds allow. Detached ones are skipped. */
  give(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (buffer.byteLength === 0) continue;
      if (this.buffers.length >= this.maxBuffers) return;
      if (this.bytes + buffer.byteLength > this.maxBytes) continue;
      this.buffers.push(buffer);
      this.bytes += buffer.byteLength;
    }
  }

  /** Buffers and bytes kept now. */
  size(): { buffers: number; bytes: number } {
    return { buffers: this.buffers.length, bytes: this.bytes };
  }
}
