/**
 * Loads the providers' files from a directory (the one `updateCloudRanges` fills) into one
 * table. Each source has a fixed file name (`CLOUD_RANGE_FILE_NAMES`); a missing file is normal
 * (a user who runs only on AWS, or is offline) and reported as absent.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../core/index.ts";
import type { CloudProvider } from "../../core/index.ts";
import {
  CLOUD_RANGE_FILE_NAMES,
  CLOUD_RANGE_SOURCES,
  CLOUD_RANGE_SOURCE_PROVIDER,
} from "./cloud-range.ts";
import type { CloudRangeProblem, CloudRangeSource, ParsedCloudRanges } from "./cloud-range.ts";
import { parseCloudRanges } from "./parse.ts";
import { buildCloudRangeTableFromFiles } from "./table.ts";
import type { CloudRangeTable } from "./table.ts";

/** What became of one source's file. */
export interface CloudRangeFileStatus {
  readonly source: CloudRangeSource;
  readonly provider: CloudProvider;
  /** Full path of the file looked for. */
  readonly file: string;
  readonly status: "loaded" | "absent";
  /** The file's `syncToken`/`changeNumber`; "" when absent. */
  readonly version: string;
  /** The file's generation date, ISO 8601 UTC; "" when absent or when the format has none. */
  readonly createdAt: string;
  /** Ranges read from the file. */
  readonly count: number;
  /** Entries skipped (see `problems`). */
  readonly problemCount: number;
}

export interface LoadedCloudRanges {
  readonly table: CloudRangeTable;
  readonly files: readonly CloudRangeFileStatus[];
  /** Entries skipped, with their file's source and JSON path. */
  readonly problems: readonly CloudRangeProblem[];
}

/**
 * Reads every known file of `dir` and builds the table. Throws `ERR_CLOUD_RANGES_READ` when a
 * file exists but cannot be read, `ERR_CLOUD_RANGES_FORMAT` when one is not its provider's
 * format (a file put there by hand under the wrong name): better a clear stop than silently
 * classifying without a provider the user thinks is loaded.
 */
export async function loadCloudRanges(dir: string): Promise<LoadedCloudRanges> {
  const outcomes = await Promise.all(
    CLOUD_RANGE_SOURCES.map(async (source) => {
      const file = path.join(dir, CLOUD_RANGE_FILE_NAMES[source]);
      const text = await readIfPresent(file);
      return {
        source,
        file,
        parsed: text === undefined ? undefined : parseCloudRanges(source, text, file),
      };
    }),
  );
  const parsedFiles: ParsedCloudRanges[] = [];
  const files: CloudRangeFileStatus[] = [];
  for (const { source, file, parsed } of outcomes) {
    if (parsed !== undefined) parsedFiles.push(parsed);
    files.push(
      Object.freeze({
        source,
        provider: CLOUD_RANGE_SOURCE_PROVIDER[source],
        file,
        status: parsed === undefined ? "absent" : "loaded",
        version: parsed?.info.version ?? "",
        createdAt: parsed?.info.createdAt ?? "",
        count: parsed?.info.count ?? 0,
        problemCount: parsed?.problems.length ?? 0,
      }),
    );
  }
  return {
    table: buildCloudRangeTableFromFiles(parsedFiles),
    files,
    problems: parsedFiles.flatMap((parsed) => parsed.problems),
  };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AppError(
      "ERR_CLOUD_RANGES_READ",
      `cannot read cloud IP-range file ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
