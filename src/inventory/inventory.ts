/**
 * Everything classification and enrichment know, as one immutable snapshot: the declared
 * networks and exporters, the cloud providers' ranges and the ASN/country registry. A reload
 * builds a new snapshot and swaps the reference (atomic for the pipeline: a batch is classified
 * against one snapshot from its first row to its last).
 */
import type { Prefix } from "../core/index.ts";
import type { ExporterTable } from "./exporters.ts";
import type { CloudRangeLike } from "./locality.ts";
import type { NetworkTable } from "./networks.ts";

/** Lookups by address words, as core's LpmTable and the registry provide them. */
export interface AddressTable<T> {
  lookupIpv4(address: number): T | undefined;
  /** Most significant word first. */
  lookupIpv6(w0: number, w1: number, w2: number, w3: number): T | undefined;
  /**
   * The value every address of `prefix` gets when they all get the same one (undefined when
   * that is "none"), or null when they differ. Optional: lets the classifier answer once per
   * declared network instead of once per address (a /24 of ours mostly lies in one registry
   * range). A table without it is looked up per address.
   */
  valueThroughout?(prefix: Prefix): T | undefined | null;
}

/** What enrichment needs of an address registry entry (inventory/registry's RegistryEntry). */
export interface RegistryEntryLike {
  readonly asn: number;
  readonly asName: string;
  readonly country: string;
  /** (c0 << 8) | c1 ASCII, 0 unknown. */
  readonly countryCode: number;
}

export interface Inventory {
  readonly networks: NetworkTable;
  readonly exporters: ExporterTable;
  readonly cloudRanges: AddressTable<CloudRangeLike> | undefined;
  readonly registry: AddressTable<RegistryEntryLike> | undefined;
}
