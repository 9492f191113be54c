import type { DecodeIssue } from "../../core/index.ts";
import { pushIssue } from "./issues.ts";

/** Reports bytes after the last set: zero padding (informational) or junk. */
export function reportTrailing(
  view: DataView,
  offset: number,
  end: number,
  issues: DecodeIssue[],
): void {
  if (offset >= end) return;
  for (let index = offset; index < end; index++) {
    if (view.getUint8(index) !== 0) {
      pushIssue(
        issues,
        "trailing-bytes",
        `${end - offset} bytes after the last set at offset ${offset}`,
      );
      return;
    }
  }
  pushIssue(issues, "zero-padding", `${end - offset} zero bytes after the last set`);
}
