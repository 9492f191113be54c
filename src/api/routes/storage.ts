import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import { AppError } from "../../core/index.ts";
import type { StorageStats } from "../../storage/index.ts";

/** What the server does for `GET /api/v1/storage/stats`: absent when its store has no tiers. */
export type StorageStatsApi = () => Promise<StorageStats>;

const Range = Type.Union([
  Type.Object({ fromMs: Type.Number(), toMs: Type.Number() }),
  Type.Null(),
]);

const StorageStatsResponseSchema = Type.Object({
  backend: Type.String(),
  tiers: Type.Array(
    Type.Object({
      tier: Type.String({ description: "raw, 1m, 1h or 1d." }),
      table: Type.String(),
      rows: Type.Number(),
      bytesOnDisk: Type.Number({ description: "Estimated bytes of the table's columns on disk." }),
      flows: Type.Number({ description: "Raw flows the tier holds or sums." }),
      bytesPerFlow: Type.Union([Type.Number(), Type.Null()]),
      range: Range,
      retentionMs: Type.Union([Type.Number(), Type.Null()], { description: "null: forever." }),
    }),
  ),
  databaseBytes: Type.Number(),
  fileBytes: Type.Number(),
  method: Type.String({ description: "How bytesOnDisk is estimated." }),
});

/** `GET /api/v1/storage/stats`: rows, bytes on disk and bytes per flow of every tier. */
export function registerStorageRoutes(
  app: FastifyInstance,
  deps: { storageStats: StorageStatsApi | undefined },
): void {
  app.get(
    "/api/v1/storage/stats",
    {
      schema: {
        summary: "Rows, bytes on disk, bytes per flow, time covered and retention of each tier.",
        response: { 200: StorageStatsResponseSchema },
      },
    },
    async () => {
      if (deps.storageStats === undefined) {
        throw new AppError("ERR_STORE_UNSUPPORTED", "this store reports no storage tiers");
      }
      return deps.storageStats();
    },
  );
}
