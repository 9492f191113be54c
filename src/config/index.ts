export * from "./errors.ts";
export * from "./listen.ts";
export * from "./load.ts";
export * from "./schema.ts";
export * from "./inventory.ts";
