export * from "./entry.ts";
export * from "./load.ts";
export * from "./source.ts";
