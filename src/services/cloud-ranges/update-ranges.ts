/**
 * Downloads the providers' published IP ranges into a directory that `loadCloudRanges` reads.
 * Every body is parsed before it replaces a file, and the replacement is atomic, so a failed,
 * truncated or wrong download never costs the file already there. Offline (the usual case on
 * closed networks) is a status, not an error: the report says which provider could not be
 * reached and which file is kept.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { CloudProvider } from "../../core/index.ts";
import {
  CLOUD_RANGE_FILE_NAMES,
  CLOUD_RANGE_SOURCES,
  CLOUD_RANGE_SOURCE_PROVIDER,
  parseCloudRanges,
} from "../../inventory/cloud-ranges/index.ts";
import type { CloudRangeSource, ParsedCloudRanges } from "../../inventory/cloud-ranges/index.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import {
  AZURE_DOWNLOAD_PAGE,
  azureLinkDate,
  azureManualHint,
  findAzureServiceTagsLink,
} from "./azure-link.ts";
import { describeFetchFailure } from "./fetch-failure.ts";

/** Where each source is downloaded from. */
export interface CloudRangeUrls {
  readonly aws: string;
  readonly gcpCloud: string;
  readonly gcpGoog: string;
  /** Microsoft's download page, searched for the weekly file's link. */
  readonly azurePage: string;
  /** The Azure file itself; when not "", the page is not searched. */
  readonly azure: string;
}

/** The providers' documented addresses (cost-anchors.md §1.5). */
export const DEFAULT_CLOUD_RANGE_URLS: CloudRangeUrls = {
  aws: "https://ip-ranges.amazonaws.com/ip-ranges.json",
  gcpCloud: "https://www.gstatic.com/ipranges/cloud.json",
  gcpGoog: "https://www.gstatic.com/ipranges/goog.json",
  azurePage: AZURE_DOWNLOAD_PAGE,
  azure: "",
};

export interface UpdateCloudRangesOptions {
  /** Directory of the range files (created if missing). */
  readonly dir: string;
  readonly fetchImpl?: typeof fetch;
  /** Per request, connection to last byte. Default 60 s (Azure's file is ~4 MB). */
  readonly timeoutMs?: number;
  readonly urls?: Partial<CloudRangeUrls>;
  /** Sources to update; default all. */
  readonly sources?: readonly CloudRangeSource[];
  /** Largest body accepted, a guard against a runaway answer. Default 64 MiB. */
  readonly maxBytes?: number;
}

export const CLOUD_RANGE_UPDATE_STATUSES = ["updated", "unchanged", "offline", "error"] as const;
export type CloudRangeUpdateStatus = (typeof CLOUD_RANGE_UPDATE_STATUSES)[number];

/** What became of one source. */
export interface CloudRangeSourceUpdate {
  readonly source: CloudRangeSource;
  readonly provider: CloudProvider;
  readonly status: CloudRangeUpdateStatus;
  /** The file in the directory (written, or kept). */
  readonly file: string;
  /** The URL tried ("" when none could be found). */
  readonly url: string;
  /** Ranges in the file now on disk; 0 when there is none. */
  readonly entries: number;
  /**
   * Date of the file now on disk, `YYYY-MM-DD`: when the provider generated it (AWS, GCP, the
   * Azure file's name), else when it was written here; "" when there is no file.
   */
  readonly date: string;
  /** One sentence a user can act on. */
  readonly message: string;
}

export interface CloudRangesUpdateReport {
  readonly dir: string;
  readonly sources: readonly CloudRangeSourceUpdate[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const PAGE_MAX_BYTES = 8 * 1024 * 1024;

const TITLES: Readonly<Record<CloudRangeSource, string>> = {
  aws: "AWS ip-ranges.json",
  "gcp-cloud": "Google Cloud cloud.json",
  "gcp-goog": "Google goog.json",
  azure: "Azure Service Tags",
};

interface Context {
  readonly dir: string;
  readonly fetchImpl: typeof fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly urls: CloudRangeUrls;
}

/**
 * Updates every source's file in `dir` and reports per source. Never throws for a source's
 * failure (offline, HTTP error, bad body, unwritable file): each is a status with a message.
 */
export async function updateCloudRanges(
  options: UpdateCloudRangesOptions,
): Promise<CloudRangesUpdateReport> {
  const context: Context = {
    dir: options.dir,
    fetchImpl: options.fetchImpl ?? fetch,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    urls: { ...DEFAULT_CLOUD_RANGE_URLS, ...options.urls },
  };
  const sources = options.sources ?? CLOUD_RANGE_SOURCES;
  const updates = await Promise.all(sources.map((source) => updateSource(context, source)));
  return { dir: options.dir, sources: updates };
}

async function updateSource(
  context: Context,
  source: CloudRangeSource,
): Promise<CloudRangeSourceUpdate> {
  const file = path.join(context.dir, CLOUD_RANGE_FILE_NAMES[source]);
  const base = { source, provider: CLOUD_RANGE_SOURCE_PROVIDER[source], file };
  const kept = async (
    status: "offline" | "error",
    url: string,
    sentence: string,
  ): Promise<CloudRangeSourceUpdate> => {
    const existing = await describeExisting(source, file);
    const keeping =
      existing === "absent"
        ? `no ${TITLES[source]} file yet, so ${base.provider} addresses stay unclassified until a download succeeds`
        : existing === "invalid"
          ? `the existing ${file} is not a valid ${TITLES[source]} file either: replace it by hand or delete it`
          : `keeping the existing file dated ${existing.date === "" ? "(unknown)" : existing.date} (${existing.entries} ranges)`;
    const kept = typeof existing === "string" ? { entries: 0, date: "" } : existing;
    return { ...base, status, url, ...kept, message: `${sentence}; ${keeping}` };
  };

  let url = sourceUrl(context.urls, source);
  if (source === "azure" && url === "") {
    const page = context.urls.azurePage;
    const hint = azureManualHint(page, file);
    const answer = await download(context, page, PAGE_MAX_BYTES);
    if (!answer.ok) {
      return kept(answer.offline ? "offline" : "error", page, `${answer.message}; ${hint}`);
    }
    const link = findAzureServiceTagsLink(new TextDecoder().decode(answer.body));
    if (link === undefined) {
      return kept(
        "error",
        page,
        `cannot find the ServiceTags_Public_*.json link on ${page} (the page may have changed); ${hint}`,
      );
    }
    url = link;
  }

  const answer = await download(context, url, context.maxBytes);
  if (!answer.ok) return kept(answer.offline ? "offline" : "error", url, answer.message);
  const text = new TextDecoder().decode(answer.body);
  let parsed: ParsedCloudRanges;
  try {
    parsed = parseCloudRanges(source, text, url);
  } catch (error) {
    return kept("error", url, (error as Error).message);
  }
  if (parsed.info.count === 0) {
    return kept("error", url, `${url} holds no ranges at all (a truncated or emptied feed?)`);
  }
  const date = dateOnly(parsed.info.createdAt) || (source === "azure" ? azureLinkDate(url) : "");
  const problems =
    parsed.problems.length === 0 ? "" : `, ${parsed.problems.length} entries skipped or corrected`;
  const previous = await readFile(file).catch(() => undefined);
  if (previous !== undefined && Buffer.compare(previous, answer.body) === 0) {
    return {
      ...base,
      status: "unchanged",
      url,
      entries: parsed.info.count,
      date: date || (await modifiedDate(file)),
      message: `already up to date (${parsed.info.count} ranges${problems})`,
    };
  }
  try {
    await writeFileAtomic(file, answer.body);
  } catch (error) {
    return kept("error", url, `cannot write ${file}: ${(error as Error).message}`);
  }
  return {
    ...base,
    status: "updated",
    url,
    entries: parsed.info.count,
    date: date || (await modifiedDate(file)),
    message: `downloaded ${parsed.info.count} ranges${problems}`,
  };
}

function sourceUrl(urls: CloudRangeUrls, source: CloudRangeSource): string {
  switch (source) {
    case "aws":
      return urls.aws;
    case "gcp-cloud":
      return urls.gcpCloud;
    case "gcp-goog":
      return urls.gcpGoog;
    case "azure":
      return urls.azure;
  }
}

type Download =
  | { readonly ok: true; readonly body: Uint8Array }
  | { readonly ok: false; readonly offline: boolean; readonly message: string };

async function download(context: Context, url: string, maxBytes: number): Promise<Download> {
  const host = hostOf(url);
  try {
    const response = await context.fetchImpl(url, {
      signal: AbortSignal.timeout(context.timeoutMs),
      headers: { accept: "application/json, text/html;q=0.9, */*;q=0.5" },
    });
    if (!response.ok) {
      await response.body?.cancel();
      return {
        ok: false,
        offline: false,
        message: `${host} answered ${response.status} ${response.statusText} for ${url}`,
      };
    }
    const body = await readCapped(response, maxBytes);
    if (body === undefined) {
      return {
        ok: false,
        offline: false,
        message: `${url} is larger than ${maxBytes} bytes, which no published range file is`,
      };
    }
    return { ok: true, body };
  } catch (error) {
    const failure = describeFetchFailure(error, context.timeoutMs);
    return failure.offline
      ? { ok: false, offline: true, message: `cannot reach ${host}: offline? (${failure.reason})` }
      : { ok: false, offline: false, message: `download of ${url} failed: ${failure.reason}` };
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  // Node's types declare the body a ReadableStream<any>; fetch streams are always bytes.
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    // Not a URL: fetch rejects it with its own message, the text is the best name for it.
    return url;
  }
}

function dateOnly(iso: string): string {
  return iso.slice(0, 10);
}

async function modifiedDate(file: string): Promise<string> {
  try {
    return (await stat(file)).mtime.toISOString().slice(0, 10);
  } catch {
    // Only reached for a file just written or compared: a race with its removal; no date then.
    return "";
  }
}

/** Ranges and date of the file already on disk; "absent" when none, "invalid" when not the format. */
async function describeExisting(
  source: CloudRangeSource,
  file: string,
): Promise<{ entries: number; date: string } | "absent" | "invalid"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    // No file (the usual case on first run) or unreadable: either way, nothing is kept.
    return "absent";
  }
  try {
    const parsed = parseCloudRanges(source, text, file);
    return {
      entries: parsed.info.count,
      date: dateOnly(parsed.info.createdAt) || (await modifiedDate(file)),
    };
  } catch {
    // Not the format: loading it fails too (ERR_CLOUD_RANGES_FORMAT); the report says so.
    return "invalid";
  }
}
