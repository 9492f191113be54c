import type { FlowBatch } from "../core/index.ts";
import type {
  FlowScanQuery,
  NetworkRef,
  ReclassifyProgress,
  RewritableFlowStore,
  ScanProgress,
} from "./store.ts";

/**
 * A backend's chunk-level access to stored rows, from which `chunkedRewritable` builds the
 * port's `scanFlows` and `reclassify`. Each call is one round trip, so the same loop drives a
 * store in this thread and one behind a worker thread (DuckDB), where the classifier cannot go.
 */
export interface ChunkedFlowAccess {
  /** Splits the rows of `query` into chunks (opaque to the caller), in storage order. */
  planChunks(query: FlowScanQuery): Promise<StoredChunk[]>;
  /** The rows of one chunk, with each row's storage id (same order). */
  readChunk(query: FlowScanQuery, chunk: StoredChunk): Promise<ReadChunk>;
  /** Writes the pipeline columns of `batch` back to the rows `rowIds`, in one transaction. */
  rewriteChunk(read: ReadChunk, networks: readonly NetworkRef[]): Promise<RewriteCounts>;
}

/** A span of storage ids `[fromRowId, toRowId)`. */
export interface StoredChunk {
  fromRowId: number;
  toRowId: number;
}

export interface ReadChunk {
  batch: FlowBatch;
  rowIds: Float64Array;
}

export interface RewriteCounts {
  rows: number;
  directionChanged: number;
  localityChanged: number;
  networkChanged: number;
}

export function chunkedRewritable(access: ChunkedFlowAccess): RewritableFlowStore {
  return {
    async scanFlows(query, visit) {
      const chunks = await access.planChunks(query);
      const progress: ScanProgress = { chunksDone: 0, chunks: chunks.length, rows: 0 };
      for (const chunk of chunks) {
        const read = await access.readChunk(query, chunk);
        progress.chunksDone++;
        progress.rows += read.batch.length;
        if (read.batch.length > 0) await visit(read.batch, { ...progress });
      }
      return progress;
    },
    async reclassify(query, rewrite, onProgress) {
      const chunks = await access.planChunks(query);
      const progress: ReclassifyProgress = {
        chunksDone: 0,
        chunks: chunks.length,
        rows: 0,
        directionChanged: 0,
        localityChanged: 0,
        networkChanged: 0,
      };
      onProgress?.({ ...progress });
      for (const chunk of chunks) {
        const read = await access.readChunk(query, chunk);
        if (read.batch.length > 0) {
          const networks = rewrite(read.batch);
          const counts = await access.rewriteChunk(read, networks);
          progress.rows += counts.rows;
          progress.directionChanged += counts.directionChanged;
          progress.localityChanged += counts.localityChanged;
          progress.networkChanged += counts.networkChanged;
        }
        progress.chunksDone++;
        onProgress?.({ ...progress });
      }
      return progress;
    },
  };
}

/**
 * Keeps retention from running while a reclassification does: retention's DELETE and the
 * checkpoint after it renumber DuckDB rowids (see duckdb/rewrite.ts), and chunks are planned
 * as rowid spans at the start, so rows moved across a span boundary mid-run would be missed.
 * Retention is housekeeping and can wait; the chunk guard in rewrite.ts still refuses any chunk
 * whose rows moved, should something else delete meanwhile.
 */
export function createRewriteGate(): {
  /** Runs a reclassification; retention waits for it. */
  exclusive<T>(run: () => Promise<T>): Promise<T>;
  /** Resolves when no reclassification is running. */
  idle(): Promise<void>;
} {
  let running = 0;
  const waiters: (() => void)[] = [];
  return {
    async exclusive(run) {
      running++;
      try {
        return await run();
      } finally {
        running--;
        if (running === 0) {
          for (const wake of waiters.splice(0)) wake();
        }
      }
    },
    idle() {
      if (running === 0) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
      });
    },
  };
}
