export * from "./server.ts";
export type { StatusInfo } from "./routes/system.ts";
export type { InventoryApi } from "./routes/inventory.ts";
