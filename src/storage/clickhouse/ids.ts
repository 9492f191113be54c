import { createHash } from "node:crypto";
import { cloudContextKey, type CloudContext } from "../../core/index.ts";
import type { NetworkRef } from "../store.ts";
import { NETWORK_ATTRIBUTE_COLUMNS } from "./schema.ts";

/**
 * Ids of networks and exporters derived from their content: the first 8 bytes of the SHA-256
 * of a canonical key, as a UInt64. Several collectors inserting into one cluster compute the
 * same id for the same network without reading or coordinating anything; a collision needs
 * ~2^32 distinct networks (birthday bound), which no inventory approaches. 0 stays "none".
 */
export interface ContentId {
  /** Low and high 32-bit words, as RowBinary writes them (little-endian UInt64). */
  lo: number;
  hi: number;
  value: bigint;
}

export function contentId(key: string): ContentId {
  const digest = createHash("sha256").update(key).digest();
  let lo = digest.readUInt32LE(0);
  const hi = digest.readUInt32LE(4);
  if (lo === 0 && hi === 0) lo = 1;
  return { lo, hi, value: (BigInt(hi) << 32n) | BigInt(lo) };
}

/** A network's attributes in NETWORK_ATTRIBUTE_COLUMNS order, "" when absent. */
export function networkAttributes(ref: NetworkRef): string[] {
  return NETWORK_ATTRIBUTE_COLUMNS.map((column) => ref.attributes?.[column] ?? "");
}

/**
 * A network is everything stored of it (as in the DuckDB store's registry): name, tags (their
 * order does not count), kind, service and attributes. A plain inventory network (no service,
 * no attribute) keeps the key of schema 1, so the ids already stored stay its ids.
 */
export function networkKey(ref: NetworkRef): string {
  const entries = Object.entries(ref.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const kind = ref.kind ?? "inventory";
  const service = ref.service ?? "";
  const attributes = networkAttributes(ref);
  if (kind === "inventory" && service === "" && attributes.every((value) => value === "")) {
    return JSON.stringify(["network", ref.name, entries]);
  }
  const connectivity = ref.connectivity ?? "";
  if (connectivity === "") {
    return JSON.stringify(["network", ref.name, entries, kind, service, attributes]);
  }
  return JSON.stringify(["network", ref.name, entries, kind, service, attributes, connectivity]);
}

/** An exporter: its address words, observation domain and cloud context. */
export function exporterKey(
  words: Uint32Array,
  base: number,
  domain: number,
  cloud: CloudContext | undefined,
): string {
  return `exporter/${words[base + 3] ?? 0}.${words[base + 2] ?? 0}.${words[base + 1] ?? 0}.${words[base] ?? 0}/${domain}${cloud === undefined ? "" : `/${cloudContextKey(cloud)}`}`;
}
