export * from "./pipeline.ts";
export * from "./batch/batch-writer.ts";
export * from "./receive/udp.ts";
export * from "./receive/tcp.ts";
