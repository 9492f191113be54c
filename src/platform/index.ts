export * from "./component.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
