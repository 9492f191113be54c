/**
 * What the connected server can do, from `SELECT version()`. The floor is 18.16 (Debian's
 * package); newer features are used only when the version has them. Checked by trying each on
 * 18.16.1: `LowCardinality` is refused unless `allow_experimental_low_cardinality_type = 1`;
 * `CODEC(...)` and table `TTL` are syntax errors; `{name:Type}` query parameters are refused.
 */
export interface ServerCapabilities {
  version: string;
  major: number;
  minor: number;
  /** LowCardinality(String) without an experimental setting (19.x). */
  lowCardinality: boolean;
  /** Per-column `CODEC(...)` (19.1). */
  columnCodecs: boolean;
  /** Table TTL (19.6). */
  tableTtl: boolean;
}

export function capabilitiesOf(version: string): ServerCapabilities {
  const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
  const atLeast = (wantMajor: number, wantMinor: number): boolean =>
    major > wantMajor || (major === wantMajor && minor >= wantMinor);
  return {
    version,
    major,
    minor,
    lowCardinality: atLeast(19, 1),
    columnCodecs: atLeast(19, 1),
    tableTtl: atLeast(19, 6),
  };
}
