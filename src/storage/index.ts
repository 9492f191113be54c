export * from "./store.ts";
export * from "./records.ts";
export * from "./chunked-rewrite.ts";
export * from "./tiers.ts";
export * from "./maintenance.ts";
