import { Type } from "@sinclair/typebox";

/** JSON Schemas of the HTTP API (schema-first: they validate, serialize and feed OpenAPI). */

export const TotalsSchema = Type.Object(
  { bytes: Type.Number(), packets: Type.Number(), flows: Type.Number() },
  { description: "Sampling-scaled bytes and packets; flows counts records." },
);

export const RangeSchema = Type.Union([
  Type.Object({
    fromMs: Type.Number(),
    toMs: Type.Number(),
    from: Type.String({ format: "date-time" }),
    to: Type.String({ format: "date-time" }),
  }),
  Type.Null(),
]);

const Since = Type.Optional(
  Type.String({
    description:
      "Start: duration back from now (15m, 1h, 7d), ISO time or now. Default: first flow.",
  }),
);
const Until = Type.Optional(
  Type.String({
    description: "End (exclusive), same forms as since. Default: after the last flow.",
  }),
);
const DirectionParam = Type.Optional(
  Type.String({ description: "ingress | egress | internal | transit (default: all)." }),
);
const FilterParam = Type.Optional(
  Type.String({
    description:
      "Filter expression, ANDed with direction: e.g. `proto = tcp and dst.port in (443, 8443)` (docs/33-filter-language.md). An invalid one answers 400 with `details` (column, length, expected).",
  }),
);
const MetricParam = Type.Optional(Type.String({ description: "bytes | packets | flows." }));

export const SummaryQuerySchema = Type.Object({
  since: Since,
  until: Until,
  direction: DirectionParam,
  filter: FilterParam,
});

/** Which table answered: raw flows or a rollup tier (docs/37-rollups-and-retention.md). */
export const QuerySourceSchema = Type.Optional(
  Type.Object({
    table: Type.String({ description: "flows, flows_1m, flows_1h or flows_1d." }),
    tier: Type.String({ description: "raw, 1m, 1h or 1d." }),
  }),
);

export const SummaryResponseSchema = Type.Object({
  range: RangeSchema,
  source: QuerySourceSchema,
  ingress: TotalsSchema,
  egress: TotalsSchema,
  internal: TotalsSchema,
  transit: TotalsSchema,
  total: TotalsSchema,
});

export const TopQuerySchema = Type.Object({
  by: Type.String({
    description: "Dimension: src.addr, dst.addr, dst.port, src.net, src.tag.team…",
  }),
  metric: MetricParam,
  limit: Type.Optional(
    Type.String({ description: "Rows before the rest folds into other (1–10000, default 10)." }),
  ),
  since: Since,
  until: Until,
  direction: DirectionParam,
  filter: FilterParam,
});

export const TopResponseSchema = Type.Object({
  source: QuerySourceSchema,
  by: Type.String(),
  metric: Type.String(),
  range: RangeSchema,
  rows: Type.Array(
    Type.Object({
      key: Type.String(),
      bytes: Type.Number(),
      packets: Type.Number(),
      flows: Type.Number(),
    }),
  ),
  other: TotalsSchema,
  total: TotalsSchema,
});

export const TimeseriesQuerySchema = Type.Object({
  since: Since,
  until: Until,
  direction: DirectionParam,
  filter: FilterParam,
  metric: MetricParam,
  step: Type.Optional(
    Type.String({ description: "Bucket width (10s, 5m, 1h); default: ≤300 points." }),
  ),
});

const ByDirectionSchema = Type.Object({
  ingress: Type.Number(),
  egress: Type.Number(),
  internal: Type.Number(),
  transit: Type.Number(),
});

export const TimeseriesResponseSchema = Type.Object({
  source: QuerySourceSchema,
  range: RangeSchema,
  stepMs: Type.Number(),
  metric: Type.String(),
  points: Type.Array(Type.Object({ timeMs: Type.Number(), byDirection: ByDirectionSchema })),
});

export const StatusResponseSchema = Type.Object({
  version: Type.String(),
  startedMs: Type.Number(),
  dataDir: Type.String(),
  listeners: Type.Array(
    Type.Object({ kind: Type.String(), protocol: Type.String(), address: Type.String() }),
  ),
  collector: Type.Object({
    datagrams: Type.Number(),
    records: Type.Number(),
    decodeIssues: Type.Number(),
    stored: Type.Number(),
    dropped: Type.Number(),
    socketDrops: Type.Number(),
  }),
  exporters: Type.Object(
    {
      netflow5: Type.Array(
        Type.Object({
          exporterAddr: Type.String(),
          packets: Type.Number(),
          flowRecords: Type.Number(),
          sequenceGaps: Type.Number(),
        }),
      ),
      templates: Type.Array(
        Type.Object({
          exporterAddr: Type.String(),
          protocol: Type.String(),
          packets: Type.Number(),
          flowRecords: Type.Number(),
          optionsRecords: Type.Number(),
          templates: Type.Number(),
          templateMisses: Type.Number(),
          sequenceGaps: Type.Number(),
          held: Type.Number(),
          interfaces: Type.Number(),
        }),
      ),
      issues: Type.Array(
        Type.Object({
          exporterAddr: Type.String(),
          byCode: Type.Record(Type.String(), Type.Number()),
        }),
      ),
      sflow: Type.Array(
        Type.Object({
          agentAddr: Type.String(),
          subAgentId: Type.Number(),
          exporterAddr: Type.String(),
          datagrams: Type.Number(),
          flowSamples: Type.Number(),
          counterSamples: Type.Number(),
          sequenceGaps: Type.Number(),
          droppedSamples: Type.Number(),
        }),
      ),
    },
    {
      description:
        "Per-exporter counters: packets, records, template misses, sequence gaps, issues by code.",
    },
  ),
});

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Number(),
  detail: Type.String(),
  code: Type.String(),
});
