/**
 * A one-line progress bar for terminals over a whole import (`a.log.gz [#####-----] 52%
 * 1,204,332 lines 812,004 lines/s 1,198,020 records ETA 3s`), redrawn at most every 100 ms.
 * Progress is in raw file bytes (compressed bytes for gzip files), so the ETA holds for both.
 * On a non-terminal it prints nothing: scripts get only the final summary.
 */
export interface ProgressBar {
  setTotalBytes(totalBytes: number): void;
  startFile(label: string): void;
  /** `units`, `records`: of the current file so far; `fileDoneBytes`: raw bytes read of it. */
  update(fileBytes: number, fileDoneBytes: number, units: number, records: number): void;
  endFile(fileBytes: number): void;
  finish(): void;
}

export function createProgressBar(options: {
  stream: NodeJS.WriteStream;
  enabled: boolean;
  nowMs: () => number;
}): ProgressBar {
  const startMs = options.nowMs();
  let totalBytes = 0;
  let doneBytesBefore = 0;
  let unitsBefore = 0;
  let recordsBefore = 0;
  let fileUnits = 0;
  let fileRecords = 0;
  let label = "";
  let lastDrawMs = 0;
  let drawn = false;
  const draw = (doneBytes: number): void => {
    const elapsedS = Math.max(0.001, (options.nowMs() - startMs) / 1000);
    const fraction = totalBytes === 0 ? 1 : Math.min(1, doneBytes / totalBytes);
    const width = 24;
    const filled = Math.round(fraction * width);
    const units = unitsBefore + fileUnits;
    const records = recordsBefore + fileRecords;
    const rate = Math.round(units / elapsedS);
    const etaS = fraction > 0 ? Math.max(0, Math.round((elapsedS / fraction) * (1 - fraction))) : 0;
    const number = (value: number) => value.toLocaleString("en-US");
    const line = `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${number(units)} lines ${number(rate)} lines/s ${number(records)} records ETA ${etaS}s`;
    drawn = true;
    options.stream.write(`\r${line}\x1b[K`);
  };
  return {
    setTotalBytes(bytes) {
      totalBytes = bytes;
    },
    startFile(name) {
      label = name;
      fileUnits = 0;
      fileRecords = 0;
    },
    update(fileBytes, fileDoneBytes, units, records) {
      fileUnits = units;
      fileRecords = records;
      if (!options.enabled) return;
      const nowMs = options.nowMs();
      if (nowMs - lastDrawMs < 100) return;
      lastDrawMs = nowMs;
      draw(doneBytesBefore + Math.min(fileBytes, fileDoneBytes));
    },
    endFile(fileBytes) {
      doneBytesBefore += fileBytes;
      unitsBefore += fileUnits;
      recordsBefore += fileRecords;
      fileUnits = 0;
      fileRecords = 0;
    },
    finish() {
      if (!options.enabled || !drawn) return;
      drawn = false;
      options.stream.write(`\r\x1b[K`);
    },
  };
}
