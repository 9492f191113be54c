export * from "./server.ts";
export type { StatusInfo } from "./routes/system.ts";
