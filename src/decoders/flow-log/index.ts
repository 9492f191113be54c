export * from "./tally.ts";
export type { EntryDecoder, LineDecoder } from "./types.ts";
export { FILE_FORMATS, SNIFF_BYTES, sniffFileFormat } from "./sniff.ts";
export type { FileFormat, SniffResult } from "./sniff.ts";
export { createJsonValueSplitter, isJsonErrorUnit } from "./json-splitter.ts";
export type { JsonUnit, JsonValueSplitter } from "./json-splitter.ts";
