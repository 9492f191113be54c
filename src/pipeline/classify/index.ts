export * from "./classifier.ts";
export * from "./direction.ts";
