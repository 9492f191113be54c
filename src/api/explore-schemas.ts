import { Type } from "@sinclair/typebox";
import { QuerySourceSchema, RangeSchema, TotalsSchema } from "./schemas.ts";

/** JSON Schemas of `GET /api/v1/explore` (docs/38-explore.md). */

export const ExploreQuerySchema = Type.Object({
  dimension: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description:
        "Dimensions to group by, in order (0–4): repeat the parameter or separate with commas (src.net, dst.port, src.tag.team…).",
    }),
  ),
  unit: Type.Optional(
    Type.String({ description: "bytes (default) | bits/s | packets | packets/s | flows." }),
  ),
  step: Type.Optional(
    Type.String({
      description: "Step of the series (1m, 5m, 1h…) or auto (default: 100–300 steps).",
    }),
  ),
  limit: Type.Optional(
    Type.String({
      description: "Top groups before the rest folds into other (1–1000, default 10).",
    }),
  ),
  series: Type.Optional(Type.String({ description: "true: each group's value per step." })),
  previous: Type.Optional(
    Type.String({ description: "true: also the preceding period of equal length." }),
  ),
  view: Type.Optional(
    Type.String({ description: "table (default) | sankey: adds links between dimensions." }),
  ),
  format: Type.Optional(Type.String({ description: "json (default) | csv (RFC 4180)." })),
  since: Type.Optional(Type.String({ description: "Start: 15m, 1h, 7d, ISO time or now." })),
  until: Type.Optional(Type.String({ description: "End (exclusive), same forms as since." })),
  direction: Type.Optional(
    Type.String({ description: "ingress | egress | internal | transit (default: all)." }),
  ),
  filter: Type.Optional(
    Type.String({ description: "Filter expression (docs/33-filter-language.md)." }),
  ),
});

const StatsSchema = Type.Object(
  { total: Type.Number(), average: Type.Number(), max: Type.Number(), p95: Type.Number() },
  {
    description:
      "In the unit: total volume (bits for bits/s), then average, max and p95 of the per-step values (rates per second for bits/s and packets/s).",
  },
);

const SeriesProperties = {
  totals: TotalsSchema,
  stats: StatsSchema,
  points: Type.Optional(Type.Array(Type.Number(), { description: "One value per step." })),
};

const SeriesSchema = Type.Object(SeriesProperties);
const GroupSchema = Type.Object({ keys: Type.Array(Type.String()), ...SeriesProperties });

const PeriodProperties = {
  range: RangeSchema,
  timesMs: Type.Optional(Type.Array(Type.Number(), { description: "Start of each step." })),
  groups: Type.Array(GroupSchema),
  other: SeriesSchema,
  total: SeriesSchema,
};

const SankeySchema = Type.Object({
  dimensions: Type.Array(Type.String()),
  unit: Type.String(),
  nodes: Type.Array(
    Type.Object({ id: Type.String(), dimension: Type.String(), key: Type.String() }),
  ),
  links: Type.Array(
    Type.Object({ source: Type.String(), target: Type.String(), value: Type.Number() }),
  ),
  other: Type.Number(),
});

export const ExploreResponseSchema = Type.Object({
  dimensions: Type.Array(Type.String()),
  unit: Type.String(),
  limit: Type.Number(),
  stepMs: Type.Number(),
  source: QuerySourceSchema,
  ...PeriodProperties,
  previous: Type.Optional(Type.Object(PeriodProperties)),
  sankey: Type.Optional(SankeySchema),
});
