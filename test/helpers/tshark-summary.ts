import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The corpus's `tshark-summary.tsv` (Wireshark 4.0.17 counts per capture, MANIFEST.md): rows
 * keyed by file (`netflow9/x.pcap`), cells keyed by header name.
 */
export function readSummary(root: string): Map<string, Record<string, string>> {
  const [headerLine, ...lines] = readFileSync(path.join(root, "tshark-summary.tsv"), "utf8")
    .trimEnd()
    .split("\n");
  const names = (headerLine ?? "").split("\t");
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const cells = line.split("\t");
    const row = Object.fromEntries(names.map((name, index) => [name, cells[index] ?? ""]));
    rows.set(row["file"] ?? "", row);
  }
  return rows;
}
