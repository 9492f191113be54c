/**
 * The sampled counters of `flows` and the scaled column each repeats when the flow was not
 * sampled. From schema 6 the store writes NULL in place of such a repeat (see columns.ts and
 * the schema 6 layout in schema.ts), so every reader takes the stored value through
 * `sampledSql`.
 */
export const SAMPLED_COLUMNS = [
  ["sampled_bytes", "bytes"],
  ["sampled_packets", "packets"],
] as const;

export type SampledColumn = (typeof SAMPLED_COLUMNS)[number][0];

/** The sampled counter `name` of a `flows` row (`prefix` is a table alias and dot, or ""). */
export function sampledSql(name: SampledColumn, prefix = ""): string {
  const scaled = SAMPLED_COLUMNS.find(([sampled]) => sampled === name)?.[1] ?? name;
  return `coalesce(${prefix}${name}, ${prefix}${scaled})`;
}
