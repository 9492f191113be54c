/**
 * A one-line progress bar for work done in chunks of stored flows (`tollgate reclassify`):
 * `reclassify [######------------------]  25% 1,310,720 flows 412,003 flows/s ETA 9s`, redrawn
 * at most every 100 ms. Chunks are equal spans of storage, so the fraction and the ETA are
 * real. On a non-terminal it draws nothing: scripts get only the final summary.
 */
export interface ChunkProgressBar {
  update(progress: { chunksDone: number; chunks: number; rows: number }): void;
  finish(): void;
}

export function createChunkProgressBar(options: {
  label: string;
  stream: NodeJS.WriteStream;
  enabled: boolean;
  nowMs: () => number;
}): ChunkProgressBar {
  const startMs = options.nowMs();
  let lastDrawMs = -Infinity;
  let drawn = false;
  const number = (value: number) => value.toLocaleString("en-US");
  return {
    update({ chunksDone, chunks, rows }) {
      if (!options.enabled) return;
      const nowMs = options.nowMs();
      if (nowMs - lastDrawMs < 100 && chunksDone < chunks) return;
      lastDrawMs = nowMs;
      const fraction = chunks === 0 ? 1 : chunksDone / chunks;
      const width = 24;
      const filled = Math.round(fraction * width);
      const elapsedS = Math.max(0.001, (nowMs - startMs) / 1000);
      const etaS = fraction > 0 ? Math.round((elapsedS / fraction) * (1 - fraction)) : 0;
      options.stream.write(
        `\r${options.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${number(rows)} flows ${number(Math.round(rows / elapsedS))} flows/s ETA ${etaS}s\x1b[K`,
      );
      drawn = true;
    },
    finish() {
      if (!drawn) return;
      drawn = false;
      options.stream.write("\r\x1b[K");
    },
  };
}
