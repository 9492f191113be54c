export * from "./classifier.ts";
export * from "./direction.ts";
export * from "./reclassify.ts";
