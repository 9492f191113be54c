export * from "./attributes.ts";
export * from "./networks.ts";
export * from "./default-networks.ts";
export * from "./exporters.ts";
export * from "./locality.ts";
export * from "./inventory.ts";
export * from "./explain.ts";
