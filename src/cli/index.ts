export * from "./client.ts";
export * from "./command.ts";
export * from "./parse.ts";
export * from "./progress.ts";
export * from "./render.ts";
export * from "./render-explain.ts";
export * from "./chunk-progress.ts";
export * from "./render-suggest.ts";
