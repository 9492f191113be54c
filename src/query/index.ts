export * from "./params.ts";
