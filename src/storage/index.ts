export * from "./store.ts";
export * from "./records.ts";
export * from "./chunked-rewrite.ts";
