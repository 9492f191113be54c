import { FlowBatch, textToWords } from "../../../core/index.ts";
import type { DecodedFlow, DecodeIssue } from "../../../core/index.ts";
import type { DatagramContext, DecodeOutput } from "../../output.ts";

/** A fresh output and a context for `exporterAddr` at `receivedMs`: test plumbing only. */
export function harness(exporterAddr = "192.0.2.10", receivedMs = 1_700_000_000_000) {
  const out: DecodeOutput = { flows: new FlowBatch(4), counters: [], issues: [] as DecodeIssue[] };
  const exporterWords = new Uint32Array(4);
  textToWords(exporterAddr, exporterWords, 0);
  const context: DatagramContext = { exporterAddr, exporterWords, receivedMs };
  return {
    out,
    context,
    at: (ms: number): DatagramContext => ({ exporterAddr, exporterWords, receivedMs: ms }),
    rows: (): DecodedFlow[] => out.flows.decodedRows(),
    codes: (): string[] => out.issues.map((issue) => issue.code),
  };
}
