/**
 * A one-line progress bar for terminals (`[#####-----] 52% 12.3 MiB/24 MiB 8,512 records/s
 * ETA 3s`), redrawn at most every 100 ms. On a non-terminal it prints nothing: scripts get
 * only the final summary.
 */
export interface ProgressBar {
  update(doneBytes: number, records: number): void;
  finish(): void;
}

export function createProgressBar(options: {
  label: string;
  totalBytes: number;
  stream: NodeJS.WriteStream;
  enabled: boolean;
  nowMs: () => number;
}): ProgressBar {
  const startMs = options.nowMs();
  let lastDrawMs = 0;
  let lastLine = "";
  const draw = (doneBytes: number, records: number): void => {
    const elapsedS = Math.max(0.001, (options.nowMs() - startMs) / 1000);
    const fraction = options.totalBytes === 0 ? 1 : Math.min(1, doneBytes / options.totalBytes);
    const width = 24;
    const filled = Math.round(fraction * width);
    const rate = Math.round(records / elapsedS);
    const etaS = fraction > 0 ? Math.max(0, Math.round((elapsedS / fraction) * (1 - fraction))) : 0;
    const line = `${options.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${records.toLocaleString("en-US")} records ${rate.toLocaleString("en-US")}/s ETA ${etaS}s`;
    lastLine = line;
    options.stream.write(`\r${line}\x1b[K`);
  };
  return {
    update(doneBytes, records) {
      if (!options.enabled) return;
      const nowMs = options.nowMs();
      if (nowMs - lastDrawMs < 100) return;
      lastDrawMs = nowMs;
      draw(doneBytes, records);
    },
    finish() {
      if (!options.enabled || lastLine === "") return;
      options.stream.write(`\r\x1b[K`);
    },
  };
}
