import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";

/** What the inventory routes need from the running service (wired by services/serve). */
export interface InventoryApi {
  /** `tollgate explain` on the live inventory: one address, or a flow between two. */
  explain(
    addresses: readonly string[],
    question: {
      exporter?: string | undefined;
      inIf?: number | undefined;
      outIf?: number | undefined;
    },
  ): unknown;
  /** Re-reads the inventory files now; resolves with what was reloaded. */
  reload(): Promise<string[]>;
}

const ExplainQuerySchema = Type.Object(
  {
    address: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2 })], {
      description: "One address (what is it?) or two, source then destination (a flow).",
    }),
    exporter: Type.Optional(
      Type.String({ description: "Apply this exporter's boundary interfaces." }),
    ),
    inIf: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    outIf: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  },
  { additionalProperties: false },
);

const ExplainResponseSchema = Type.Object(
  { kind: Type.Union([Type.Literal("address"), Type.Literal("flow")]) },
  {
    additionalProperties: true,
    description:
      "kind address: `address` (network with prefix, file and enclosing networks, tags and where each comes from, ASN, country, cloud range). kind flow: `flow` (both ends, direction and locality with their reasons, the exporter's interfaces).",
  },
);

const ReloadResponseSchema = Type.Object({ reloaded: Type.Array(Type.String()) });

export function registerInventoryRoutes(
  app: FastifyInstance,
  deps: { inventory: InventoryApi },
): void {
  app.get<{ Querystring: Static<typeof ExplainQuerySchema> }>(
    "/api/v1/explain",
    {
      schema: {
        summary:
          "Which network, tags, ASN, country and locality an address gets, and why; for two, the flow's direction and locality.",
        querystring: ExplainQuerySchema,
        response: { 200: ExplainResponseSchema },
      },
    },
    (request) => {
      const { address, exporter, inIf, outIf } = request.query;
      const addresses = typeof address === "string" ? [address] : address;
      return deps.inventory.explain(addresses, { exporter, inIf, outIf });
    },
  );
  app.post(
    "/api/v1/inventory/reload",
    {
      schema: {
        summary:
          "Re-reads the inventory (config file, included files, registry, cloud ranges) now.",
        response: { 200: ReloadResponseSchema },
      },
    },
    async () => ({ reloaded: await deps.inventory.reload() }),
  );
}
