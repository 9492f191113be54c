import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import {
  parseDimension,
  parseFilter,
  parseLimit,
  parseMetric,
  parseRange,
  parseStepMs,
  presentRange,
} from "../../query/index.ts";
import type { FlowStore, TimeRange } from "../../storage/index.ts";
import {
  SummaryQuerySchema,
  SummaryResponseSchema,
  TimeseriesQuerySchema,
  TimeseriesResponseSchema,
  TopQuerySchema,
  TopResponseSchema,
} from "../schemas.ts";

export function registerFlowRoutes(
  app: FastifyInstance,
  deps: { store: FlowStore; nowMs: () => number },
): void {
  app.get<{ Querystring: Static<typeof SummaryQuerySchema> }>(
    "/api/v1/summary",
    {
      schema: {
        summary: "Bytes, packets and flows per direction over a time range.",
        querystring: SummaryQuerySchema,
        response: { 200: SummaryResponseSchema },
      },
    },
    async (request) => {
      const result = await deps.store.summary({
        range: parseRange(request.query, deps.nowMs()),
        filter: parseFilter(request.query),
      });
      return {
        range: presentRange(result.range),
        ...(result.source === undefined ? {} : { source: result.source }),
        ...result.directions,
        total: result.total,
      };
    },
  );

  app.get<{ Querystring: Static<typeof TopQuerySchema> }>(
    "/api/v1/top",
    {
      schema: {
        summary: "Top-N values of a dimension by a metric, the rest folded into other.",
        querystring: TopQuerySchema,
        response: { 200: TopResponseSchema },
      },
    },
    async (request) => {
      const result = await deps.store.top({
        range: parseRange(request.query, deps.nowMs()),
        by: parseDimension(request.query),
        metric: parseMetric(request.query),
        limit: parseLimit(request.query),
        filter: parseFilter(request.query),
      });
      return { ...result, range: presentRange(result.range) };
    },
  );

  app.get<{ Querystring: Static<typeof TimeseriesQuerySchema> }>(
    "/api/v1/timeseries",
    {
      schema: {
        summary: "A metric per direction over time, in aligned, zero-filled buckets.",
        querystring: TimeseriesQuerySchema,
        response: { 200: TimeseriesResponseSchema },
      },
    },
    async (request) => {
      const requested = parseRange(request.query, deps.nowMs());
      const effective = await effectiveRange(deps.store, requested);
      const result = await deps.store.timeseries({
        range: requested,
        stepMs: parseStepMs(request.query, effective),
        metric: parseMetric(request.query),
        filter: parseFilter(request.query),
      });
      return { ...result, range: presentRange(result.range) };
    },
  );
}

/** The range a query will cover once omitted bounds are filled from the stored data. */
export async function effectiveRange(
  store: FlowStore,
  requested: Partial<TimeRange>,
): Promise<TimeRange | null> {
  if (requested.fromMs !== undefined && requested.toMs !== undefined) {
    return { fromMs: requested.fromMs, toMs: requested.toMs };
  }
  const stored = await store.dataRange();
  if (stored === null) return null;
  return { fromMs: requested.fromMs ?? stored.fromMs, toMs: requested.toMs ?? stored.toMs };
}
