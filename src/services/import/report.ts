import type { ImportFileReport, ImportReport } from "./run-import.ts";

const number = (value: number) => value.toLocaleString("en-US");

function counts(byCode: Readonly<Record<string, number>>): string {
  return Object.entries(byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code} ${number(count)}`)
    .join(", ");
}

/** Problem lines shown per file: enough to find the pattern, never a flood. */
const PROBLEMS_SHOWN = 5;

/**
 * The summary `tollgate import` prints: totals first (the line scripts read), then per file
 * what was skipped and why, with the first problem lines and their numbers.
 */
export function renderImportReport(report: ImportReport): string[] {
  const lines: string[] = [];
  const read = report.files.filter(
    (file) => file.status === "imported" || file.status === "resumed" || file.status === "stopped",
  );
  const skipped = counts(report.skipped);
  const issues = counts({ ...report.captureIssuesByCode, ...report.issuesByCode });
  lines.push(
    `imported ${read.length} file(s): ${number(report.datagrams)} datagrams, ${number(report.records)} flow records, ${number(report.stored)} stored` +
      (skipped === "" ? "" : `; skipped lines: ${skipped}`) +
      (issues === "" ? "" : `; issues: ${issues}`),
  );
  for (const file of report.files) lines.push(...renderImportFile(file));
  return lines;
}

/** One file's lines of the summary (also printed as each file completes under `--follow`). */
export function renderImportFile(file: ImportFileReport): string[] {
  const lines: string[] = [];
  switch (file.status) {
    case "already-imported":
      lines.push(`  ${file.path}: already imported (${file.detail}), skipped`);
      break;
    case "duplicate":
      lines.push(`  ${file.path}: ${file.detail}, skipped`);
      break;
    case "not-flow-log":
      if (!file.named) lines.push(`  ${file.path}: not a flow log (${file.detail}), skipped`);
      break;
    case "imported":
    case "resumed":
    case "stopped": {
      const what = file.status === "resumed" ? "resumed" : file.status;
      const fileSkips = counts(file.skipped);
      lines.push(
        `  ${file.path}: ${file.format}, ${what}, ${number(file.records)} records` +
          (fileSkips === "" ? "" : `, skipped ${fileSkips}`) +
          (file.undatedRows === 0
            ? ""
            : `, ${number(file.undatedRows)} without start/end in the log (dated by the file)`),
      );
      for (const problem of file.problems.slice(0, PROBLEMS_SHOWN)) {
        lines.push(`    line ${problem.line}: ${problem.code}: ${problem.detail}`);
      }
      if (file.problems.length > PROBLEMS_SHOWN) {
        lines.push(`    … and more (the first ${file.problems.length} kept)`);
      }
    }
  }
  return lines;
}
