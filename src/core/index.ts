export * from "./direction.ts";
export * from "./errors.ts";
export * from "./flow.ts";
export * from "./issues.ts";
export * from "./locality.ts";
export * from "./time.ts";
export * from "./ip.ts";
