export * from "./params.ts";
export * from "./range.ts";
