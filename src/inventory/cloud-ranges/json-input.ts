/**
 * Shared steps of the three parsers: JSON text or value to the file's top-level object (a file
 * that is not that format at all throws), and the checks of one entry (which never throw).
 */
import {
  AppError,
  formatIpv4,
  formatIpv6Groups,
  ipv4Mask,
  ipv6WordMask,
  parsePrefix,
} from "../../core/index.ts";
import type { CloudProvider, Prefix } from "../../core/index.ts";
import { CLOUD_RANGE_SOURCE_PROVIDER } from "./cloud-range.ts";
import type {
  CloudRange,
  CloudRangeKind,
  CloudRangeProblem,
  CloudRangeSource,
} from "./cloud-range.ts";

/**
 * A parser's input: the file's text (a string is always taken as JSON text), or its JSON already
 * parsed (an object).
 */
export type CloudRangesInput = unknown;

export const SOURCE_TITLES: Readonly<Record<CloudRangeSource, string>> = {
  aws: "an AWS ip-ranges.json file",
  "gcp-cloud": "a Google Cloud cloud.json file",
  "gcp-goog": "a Google goog.json file",
  azure: "an Azure Service Tags file (ServiceTags_Public_*.json)",
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The top-level object of a file, or an `ERR_CLOUD_RANGES_FORMAT` error naming what is wrong. */
export function rootObject(
  input: CloudRangesInput,
  source: CloudRangeSource,
  file: string,
): Record<string, unknown> {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw formatError(source, file, "it is not JSON", error);
    }
  }
  if (!isRecord(value)) throw formatError(source, file, "its top level is not a JSON object");
  return value;
}

export function formatError(
  source: CloudRangeSource,
  file: string,
  what: string,
  cause?: unknown,
): AppError {
  const where = file === "" ? "input" : file;
  return new AppError(
    "ERR_CLOUD_RANGES_FORMAT",
    `${where} is not ${SOURCE_TITLES[source]}: ${what}`,
    cause === undefined ? undefined : { cause },
  );
}

/** A top-level array field, or a format error (`optional` arrays may be absent: empty). */
export function arrayField(
  root: Record<string, unknown>,
  key: string,
  source: CloudRangeSource,
  file: string,
  optional = false,
): readonly unknown[] {
  const value = root[key];
  if (Array.isArray(value)) return value;
  if (value === undefined && optional) return [];
  throw formatError(
    source,
    file,
    value === undefined ? `it has no "${key}" array` : `its "${key}" is not an array`,
  );
}

/** A string or number field as text (version numbers are numbers in Azure, strings in AWS). */
export function textField(root: Record<string, unknown>, key: string): string {
  const value = root[key];
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return "";
}

/** Collects the frozen ranges and the problems of one file. */
export class RangeCollector {
  readonly ranges: CloudRange[] = [];
  readonly problems: CloudRangeProblem[] = [];
  readonly source: CloudRangeSource;
  readonly provider: CloudProvider;

  constructor(source: CloudRangeSource) {
    this.source = source;
    this.provider = CLOUD_RANGE_SOURCE_PROVIDER[source];
  }

  problem(path: string, message: string): void {
    this.problems.push(Object.freeze({ source: this.source, path, message }));
  }

  /** Adds one range from CIDR text, or a problem at `path` when the text is not a prefix. */
  add(
    path: string,
    text: unknown,
    fields: {
      service: string;
      region: string;
      borderGroup: string;
      kind: CloudRangeKind;
      family?: 4 | 6;
    },
  ): void {
    if (typeof text !== "string") {
      this.problem(path, text === undefined ? "missing prefix" : "prefix is not a string");
      return;
    }
    const parsed = parseProviderPrefix(text.trim());
    if (!parsed.ok) {
      this.problem(path, parsed.message);
      return;
    }
    const prefix = parsed.prefix;
    if (parsed.masked) {
      this.problem(path, `${text} has host bits set: used as ${prefix.text}`);
    }
    if (fields.family !== undefined && prefix.version !== fields.family) {
      this.problem(path, `${text} is IPv${prefix.version}, this list holds IPv${fields.family}`);
      return;
    }
    this.ranges.push(
      Object.freeze({
        prefix: Object.freeze(
          prefix.version === 6 ? { ...prefix, words: Object.freeze(prefix.words) } : prefix,
        ),
        provider: this.provider,
        service: fields.service,
        region: fields.region,
        borderGroup: fields.borderGroup,
        kind: fields.kind,
        source: this.source,
      }),
    );
  }
}

/** A region in flow-log spelling: lowercase, "" for global. */
export function normaliseRegion(region: unknown): string {
  if (typeof region !== "string") return "";
  const lower = region.trim().toLowerCase();
  return lower === "global" ? "" : lower;
}

/**
 * Throws a format error when a file has entries but not one of them has the field that makes the
 * format (`ip_prefix` for AWS…): the user gave the wrong file, not a file with bad entries.
 */
export function requireSomeKeyed(
  entries: readonly unknown[],
  keys: readonly string[],
  source: CloudRangeSource,
  file: string,
  arrayName: string,
): void {
  if (entries.length === 0) return;
  const keyed = entries.some((entry) => isRecord(entry) && keys.some((key) => key in entry));
  if (!keyed) {
    throw formatError(
      source,
      file,
      `no entry of "${arrayName}" has ${keys.map((key) => `"${key}"`).join(" or ")}`,
    );
  }
}

/**
 * CIDR text of a provider's file. Unlike a user's declaration (where `parsePrefix` refuses host
 * bits because they hide a typo), the provider's file is the authority on its own space: a prefix
 * with host bits set stands for its network, and is used masked (and reported).
 */
export function parseProviderPrefix(
  text: string,
):
  | { readonly ok: true; readonly prefix: Prefix; readonly masked: boolean }
  | { readonly ok: false; readonly message: string } {
  const parsed = parsePrefix(text);
  if (parsed.ok) return { ok: true, prefix: parsed.prefix, masked: false };
  const slash = text.indexOf("/");
  const host = slash === -1 ? undefined : parsePrefix(text.slice(0, slash));
  const length = Number(text.slice(slash + 1));
  if (host === undefined || !host.ok) return parsed;
  const address = host.prefix;
  let network: string;
  if (address.version === 4) {
    if (!(length >= 0 && length <= 32)) return parsed;
    network = formatIpv4((address.network & ipv4Mask(length)) >>> 0);
  } else {
    if (!(length >= 0 && length <= 128)) return parsed;
    const groups = address.words.flatMap((word, index) => {
      const masked = (word & ipv6WordMask(length, index)) >>> 0;
      return [masked >>> 16, masked & 0xffff];
    });
    network = formatIpv6Groups(groups);
  }
  const masked = parsePrefix(`${network}/${length}`);
  return masked.ok ? { ok: true, prefix: masked.prefix, masked: true } : parsed;
}
