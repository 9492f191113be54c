import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { AppError } from "../../core/index.ts";
import { parseRange, presentRange } from "../../query/index.ts";
import type { ReclassifyProgress, TimeRange } from "../../storage/index.ts";
import { RangeSchema } from "../schemas.ts";

/** What the server does for `POST /api/v1/reclassify`: absent when its store cannot. */
export type ReclassifyApi = (range: Partial<TimeRange>) => Promise<ReclassifyProgress>;

const ReclassifyQuerySchema = Type.Object({
  since: Type.Optional(
    Type.String({
      description: "Start: duration back from now (1h, 7d) or ISO time. Default: first flow.",
    }),
  ),
  until: Type.Optional(
    Type.String({ description: "End (exclusive), same forms. Default: after the last flow." }),
  ),
});

const ReclassifyResponseSchema = Type.Object({
  range: RangeSchema,
  rows: Type.Number({ description: "Stored flows classified again and written back." }),
  directionChanged: Type.Number(),
  localityChanged: Type.Number(),
  networkChanged: Type.Number({
    description: "Flows whose source or destination network changed.",
  }),
  chunks: Type.Number(),
  elapsedMs: Type.Number(),
});

/**
 * `POST /api/v1/reclassify?since=…&until=…`: the stored flows of the range classified again
 * with the server's live inventory and written back; answers when done, with counts. One at a
 * time: a second request meanwhile gets 409 (ERR_RECLASSIFY_RUNNING).
 */
export function registerReclassifyRoutes(
  app: FastifyInstance,
  deps: { reclassify: ReclassifyApi | undefined; nowMs: () => number },
): void {
  app.post<{ Querystring: Static<typeof ReclassifyQuerySchema> }>(
    "/api/v1/reclassify",
    {
      schema: {
        summary:
          "Classify the stored flows of a range again with the live inventory and write them back.",
        querystring: ReclassifyQuerySchema,
        response: { 200: ReclassifyResponseSchema },
      },
    },
    async (request) => {
      const range = parseRange(request.query, deps.nowMs());
      if (deps.reclassify === undefined) {
        throw new AppError(
          "ERR_STORE_UNSUPPORTED",
          "this server's flow store cannot rewrite stored flows (ClickHouse): new flows use the changed inventory at once",
        );
      }
      const startedMs = deps.nowMs();
      const result = await deps.reclassify(range);
      const covered =
        range.fromMs !== undefined && range.toMs !== undefined
          ? { fromMs: range.fromMs, toMs: range.toMs }
          : null;
      return {
        range: presentRange(covered),
        rows: result.rows,
        directionChanged: result.directionChanged,
        localityChanged: result.localityChanged,
        networkChanged: result.networkChanged,
        chunks: result.chunks,
        elapsedMs: deps.nowMs() - startedMs,
      };
    },
  );
}
