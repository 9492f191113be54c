import type { FastifyInstance } from "fastify";
import type { Metrics } from "../../platform/index.ts";
import { StatusResponseSchema } from "../schemas.ts";

export interface StatusInfo {
  version: string;
  startedMs: number;
  dataDir: string;
  listeners: { kind: string; protocol: string; address: string }[];
  collector: {
    datagrams: number;
    records: number;
    decodeIssues: number;
    stored: number;
    dropped: number;
    socketDrops: number;
  };
}

export function registerSystemRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; status: () => StatusInfo },
): void {
  app.get("/healthz", { schema: { hide: true } }, () => ({ status: "ok" }));
  app.get(
    "/api/v1/status",
    {
      schema: {
        summary: "Version, listeners and collector counters.",
        response: { 200: StatusResponseSchema },
      },
    },
    () => deps.status(),
  );
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
