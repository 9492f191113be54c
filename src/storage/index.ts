export * from "./store.ts";
export * from "./records.ts";
