export * from "./networks.ts";
export * from "./default-networks.ts";
