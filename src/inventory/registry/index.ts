export * from "./entry.ts";
export * from "./load.ts";
