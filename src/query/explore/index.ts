export * from "./auto-step.ts";
export * from "./stats.ts";
export * from "./assemble.ts";
export * from "./check.ts";
export * from "./sankey.ts";
export * from "./csv.ts";
export * from "./params.ts";
export * from "./present.ts";
