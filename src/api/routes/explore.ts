import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import { AppError } from "../../core/index.ts";
import { exploreToCsv, parseExploreParams, presentExplore, toSankey } from "../../query/index.ts";
import type { FlowStore } from "../../storage/index.ts";
import { ExploreQuerySchema, ExploreResponseSchema } from "../explore-schemas.ts";

export function registerExploreRoutes(
  app: FastifyInstance,
  deps: { store: FlowStore; nowMs: () => number },
): void {
  app.get<{ Querystring: Static<typeof ExploreQuerySchema> }>(
    "/api/v1/explore",
    {
      schema: {
        summary:
          "Top groups over one or several dimensions (the rest folded into other), their series, total, average, max and p95, the previous period; as a table, a sankey, JSON or CSV.",
        querystring: ExploreQuerySchema,
        response: { 200: ExploreResponseSchema },
      },
    },
    async (request, reply) => {
      const { view = "table", format = "json" } = request.query;
      if (view !== "table" && view !== "sankey") {
        throw new AppError("ERR_QUERY_INVALID", `view "${view}" is not one of table, sankey`);
      }
      if (format !== "json" && format !== "csv") {
        throw new AppError("ERR_QUERY_INVALID", `format "${format}" is not one of json, csv`);
      }
      const query = parseExploreParams(request.query, deps.nowMs());
      if (view === "sankey" && query.dimensions.length < 2) {
        throw new AppError("ERR_QUERY_INVALID", "a sankey needs at least two dimensions");
      }
      const result = await deps.store.explore(query);
      if (format === "csv") {
        // A string payload bypasses the JSON serializer.
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", 'attachment; filename="tollgate-explore.csv"')
          .send(exploreToCsv(result));
      }
      const body = presentExplore(result);
      return view === "sankey" ? { ...body, sankey: toSankey(result) } : body;
    },
  );
}
