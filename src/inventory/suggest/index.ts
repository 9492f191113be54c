export * from "./near-end.ts";
export * from "./propose.ts";
