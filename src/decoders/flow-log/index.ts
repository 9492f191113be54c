export * from "./tally.ts";
export type { EntryDecoder, LineDecoder } from "./types.ts";
