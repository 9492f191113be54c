export * from "./spooling-store.ts";
export * from "./spool-file.ts";
export * from "./spool-dir.ts";
export * from "./spool-mark.ts";
