/** The update report as a human table for the CLI (`tollgate inventory update-ranges`). */
import type { CloudRangesUpdateReport } from "./update-ranges.ts";

/**
 * One line per source: source, status, ranges, date, then the message; a last line says what
 * to do when a source could not be updated.
 */
export function renderUpdateReport(report: CloudRangesUpdateReport): string {
  const rows = report.sources.map((update) => [
    update.source,
    update.status,
    update.entries === 0 ? "-" : `${update.entries} ranges`,
    update.date === "" ? "-" : update.date,
    update.message,
  ]);
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  const lines = [`cloud IP ranges in ${report.dir}`];
  for (const row of rows) {
    const cells = row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column] ?? 0) : cell));
    lines.push(`  ${cells.join("  ")}`);
  }
  const failed = report.sources.filter(
    (update) => update.status === "offline" || update.status === "error",
  );
  if (failed.length > 0) {
    lines.push(
      `${failed.length} of ${report.sources.length} sources not updated: classification uses the files kept; run again when online, or fetch them by hand as said above`,
    );
  }
  return `${lines.join("\n")}\n`;
}
