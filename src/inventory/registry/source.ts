/** The files a registry was loaded from, as it reports them (`sources`, `explain`). */

export const REGISTRY_FIELDS = ["asn", "country"] as const;
export type RegistryField = (typeof REGISTRY_FIELDS)[number];

export const REGISTRY_SOURCE_KINDS = ["default", "csv", "mmdb"] as const;
export type RegistrySourceKind = (typeof REGISTRY_SOURCE_KINDS)[number];

/** One file the registry was loaded from. */
export interface RegistrySource {
  readonly field: RegistryField;
  readonly kind: RegistrySourceKind;
  /** Absolute path. */
  readonly file: string;
  /** Package version (default data), MMDB database type and build date, or file date (CSV). */
  readonly version: string;
  /** Ranges (CSV lines) or networks (MMDB tree leaves) read from the file for this field. */
  readonly ranges: number;
  /** The address families the file gave ranges of. */
  readonly families: readonly (4 | 6)[];
}
