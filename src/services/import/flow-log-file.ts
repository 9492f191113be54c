import { FlowBatch, type ImportCheckpoint } from "../../core/index.ts";
import {
  createFlowLogTally,
  createJsonValueSplitter,
  noteSkip,
  type EntryDecoder,
  type FlowLogTally,
  type JsonUnit,
  type LineDecoder,
} from "../../decoders/index.ts";
import type { Pipeline } from "../../pipeline/index.ts";

/** The checkpoint fields that describe the file, not the position. */
export type CheckpointBase = Omit<
  ImportCheckpoint,
  "offsetBytes" | "line" | "records" | "complete"
>;

export interface FileReadResult {
  tally: FlowLogTally;
  /** Position reached (decoded bytes), and the 1-based line or unit number there. */
  offsetBytes: number;
  line: number;
  /** Lines (line formats) or JSON values (JSON formats) read, resumed ones excluded. */
  units: number;
  /** Rows whose log gave no time (a custom format without start/end): dated `fallbackMs`. */
  undatedRows: number;
  /** The end of the file was reached and everything up to it consumed. */
  complete: boolean;
}

export interface FlowLogFileOptions {
  chunks: AsyncIterable<Buffer>;
  decoder: { kind: "lines"; lines: LineDecoder } | { kind: "json"; entries: EntryDecoder };
  /** The metric label of the rows (the file's format). */
  format: string;
  pipeline: Pipeline;
  batchMaxRecords: number;
  /** Most sealed batches waiting for the store before reading pauses (backpressure). */
  maxPendingBatches: number;
  base: CheckpointBase;
  /** Where a previous run stopped (0 / 1 / 0 for a new file). */
  resume: { offsetBytes: number; line: number; records: number };
  /**
   * Leave an unterminated last line or value for a later pass (`--follow`: the file is still
   * being written) instead of reading it as the file's last record.
   */
  leavePartialTail: boolean;
  onProgress: (units: number, records: number) => void;
  signal?: AbortSignal;
  /**
   * Time given to rows whose format has no start/end (AWS custom formats may omit them): the
   * delivery time in an S3 object name, else the file's modification time.
   */
  fallbackMs: number;
}

async function waitForStore(pipeline: Pipeline, maxPending: number): Promise<void> {
  // The batch writer drops batches beyond its queue (live traffic cannot wait); an import can,
  // and must: a dropped batch would take rows the next checkpoint says are stored.
  while (pipeline.stats().pendingBatches >= maxPending) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Reads one cloud flow-log file into the pipeline, resumably. Every batch that leaves for the
 * store carries the checkpoint of the last unit it holds (see core's ImportCheckpoint), so the
 * store commits rows and position together. Units before `resume.offsetBytes` are skipped:
 * for line formats only the first line is decoded again (into a scratch batch), since it is
 * where an AWS header sets the format the later lines are read by.
 */
export async function readFlowLogFile(options: FlowLogFileOptions): Promise<FileReadResult> {
  const { pipeline, batchMaxRecords, base, resume } = options;
  const tally = createFlowLogTally();
  let offsetBytes = resume.offsetBytes;
  let line = resume.line;
  let units = 0;
  let undatedRows = 0;
  let batch: FlowBatch = pipeline.openBatch();
  let from = batch.length;

  const checkpoint = (complete: boolean): void => {
    batch.addCheckpoint({
      ...base,
      offsetBytes,
      line,
      records: resume.records + tally.records,
      complete,
    });
  };
  /** Attaches the position to the open batch and hands its new rows on (sealed when full). */
  const handOn = (complete: boolean): void => {
    for (let row = from; row < batch.length; row++) {
      if (batch.endMs[row] === 0) {
        batch.endMs[row] = options.fallbackMs;
        if (batch.startMs[row] === 0) batch.startMs[row] = options.fallbackMs;
        undatedRows++;
      }
    }
    checkpoint(complete);
    pipeline.rowsDecoded(from, options.format);
    batch = pipeline.openBatch();
    from = batch.length;
  };
  const stopped = () => options.signal?.aborted === true;

  if (options.decoder.kind === "lines") {
    const decoder = options.decoder.lines;
    const scratchBatch = new FlowBatch(4);
    const scratchTally = createFlowLogTally();
    let consumed = 0;
    let lineNumber = 1;
    let carry: Buffer | undefined;
    for await (const chunk of options.chunks) {
      batch = pipeline.openBatch();
      from = batch.length;
      const buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      let position = 0;
      for (;;) {
        const newline = buffer.indexOf(10, position);
        if (newline === -1) break;
        const start = position;
        position = newline + 1;
        if (consumed + start < resume.offsetBytes) {
          if (lineNumber === 1) {
            decoder.decodeLine(buffer, start, newline, 1, scratchBatch, scratchTally);
            scratchBatch.clear();
          }
          lineNumber++;
          continue;
        }
        decoder.decodeLine(buffer, start, newline, lineNumber, batch, tally);
        lineNumber++;
        units++;
        if (batch.length >= batchMaxRecords) {
          offsetBytes = consumed + position;
          line = lineNumber;
          handOn(false);
        }
      }
      consumed += position;
      carry = position < buffer.length ? buffer.subarray(position) : undefined;
      if (consumed > offsetBytes) {
        offsetBytes = consumed;
        line = lineNumber;
      }
      handOn(false);
      options.onProgress(units, tally.records);
      if (stopped()) return { tally, offsetBytes, line, units, undatedRows, complete: false };
      await waitForStore(pipeline, options.maxPendingBatches);
    }
    batch = pipeline.openBatch();
    from = batch.length;
    let complete = true;
    if (carry !== undefined) {
      if (options.leavePartialTail) complete = false;
      else if (consumed >= resume.offsetBytes) {
        decoder.decodeLine(carry, 0, carry.length, lineNumber, batch, tally);
        units++;
        offsetBytes = consumed + carry.length;
        line = lineNumber + 1;
      }
    }
    handOn(complete);
    options.onProgress(units, tally.records);
    return { tally, offsetBytes, line, units, undatedRows, complete };
  }

  const decoder = options.decoder.entries;
  const splitter = createJsonValueSplitter();
  const handle = (unit: JsonUnit): void => {
    if (unit.endOffset <= resume.offsetBytes) return;
    units++;
    if ("error" in unit) {
      tally.units++;
      noteSkip(tally, unit.error, unit.line, unit.detail);
    } else {
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(unit.text);
      } catch (error) {
        parsed = false;
        tally.units++;
        noteSkip(tally, "bad-json", unit.line, (error as Error).message);
      }
      if (parsed) decoder.decodeEntry(value, unit.line, batch, tally);
    }
    offsetBytes = unit.endOffset;
    line = unit.line;
    if (batch.length >= batchMaxRecords) handOn(false);
  };
  for await (const chunk of options.chunks) {
    batch = pipeline.openBatch();
    from = batch.length;
    for (const unit of splitter.push(chunk)) handle(unit);
    handOn(false);
    options.onProgress(units, tally.records);
    if (stopped()) return { tally, offsetBytes, line, units, undatedRows, complete: false };
    await waitForStore(pipeline, options.maxPendingBatches);
  }
  batch = pipeline.openBatch();
  from = batch.length;
  if (!options.leavePartialTail) for (const unit of splitter.finish()) handle(unit);
  handOn(!options.leavePartialTail);
  options.onProgress(units, tally.records);
  return {
    tally,
    offsetBytes,
    line,
    units,
    undatedRows,
    complete: !options.leavePartialTail,
  };
}
