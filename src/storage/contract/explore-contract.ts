import { afterAll, describe, expect, it } from "vitest";
import { AppError, type FlowRecord } from "../../core/index.ts";
import { parseFilterExpression } from "../../query/filter/index.ts";
import type {
  ExplorePeriod,
  ExploreQuery,
  ExploreResult,
  ExploreSeries,
  ExploreUnit,
} from "../store.ts";
import type { Dimension, FlowStore, TimeRange, Totals } from "../store.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "./contract-flows.ts";
import type { ContractStore } from "./flow-store-contract.ts";

/**
 * The explorer's contract (issue 6): every backend gives, for the same flows and the same
 * explorer query, the answer computed here from the records themselves — groups, other and
 * total, series zero-filled on aligned steps, statistics, and the previous period. Since each
 * backend must equal the reference, the backends equal each other. The reference is written
 * independently of query/explore (plain loops over the records).
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The reference key of each dimension the cases group by, from a record. */
const KEYS: Readonly<Partial<Record<Dimension, (r: FlowRecord) => string>>> = {
  "src.addr": (r) => r.srcAddr,
  "dst.addr": (r) => r.dstAddr,
  "dst.port": (r) => String(r.dstPort),
  proto: (r) => String(r.protocol),
  exporter: (r) => r.exporterAddr,
  "src.net": (r) => r.srcNetwork,
  "dst.net": (r) => r.dstNetwork,
  direction: (r) => r.direction,
  "cloud.region": (r) => r.cloud?.region ?? "",
  "src.tag.team": (r) => r.srcTags["team"] ?? "",
  "dst.tag.env": (r) => r.dstTags["env"] ?? "",
  "dst.country": (r) => r.dstCountry,
};

interface Case {
  name: string;
  query: Omit<ExploreQuery, "filter" | "range"> & { range: TimeRange };
  filter?: { text: string; matches: (r: FlowRecord) => boolean };
}

const FULL = { fromMs: CONTRACT_T0_MS, toMs: CONTRACT_T0_MS + 3 * HOUR_MS };
// Not on a step boundary, and with flows in the previous period (the first 1 h 20 min).
const LATE = { fromMs: CONTRACT_T0_MS + 80 * MINUTE_MS + 7_000, toMs: FULL.toMs };

const CASES: readonly Case[] = [
  {
    name: "two dimensions (network, port), bytes, series every 15 min",
    query: {
      range: FULL,
      dimensions: ["src.net", "dst.port"],
      limit: 5,
      unit: "bytes",
      stepMs: 15 * MINUTE_MS,
      series: true,
    },
  },
  {
    name: "three dimensions (tag, protocol, country), bits/s, automatic step, filter, previous",
    query: {
      range: LATE,
      dimensions: ["src.tag.team", "proto", "dst.country"],
      limit: 7,
      unit: "bits/s",
      series: true,
      comparePrevious: true,
    },
    filter: {
      text: "proto in (tcp, udp) and src.net != office",
      matches: (r) => (r.protocol === 6 || r.protocol === 17) && r.srcNetwork !== "office",
    },
  },
  {
    name: "exporter and cloud region, packets/s, previous, no series",
    query: {
      range: LATE,
      dimensions: ["exporter", "cloud.region"],
      limit: 3,
      unit: "packets/s",
      stepMs: 5 * MINUTE_MS,
      series: false,
      comparePrevious: true,
    },
  },
  {
    name: "no dimension: the whole traffic in flows per hour",
    query: { range: FULL, dimensions: [], limit: 10, unit: "flows", stepMs: HOUR_MS, series: true },
  },
  {
    name: "networks both ends and a tag, filtered on a tag, packets, every group",
    query: {
      range: FULL,
      dimensions: ["dst.net", "src.net", "dst.tag.env"],
      limit: 1000,
      unit: "packets",
      stepMs: 30 * MINUTE_MS,
      series: true,
    },
    filter: {
      text: "src.tag.team = platform",
      matches: (r) => r.srcTags["team"] === "platform",
    },
  },
  {
    name: "addresses and port, bytes, hourly",
    query: {
      range: FULL,
      dimensions: ["src.addr", "dst.addr", "dst.port"],
      limit: 10,
      unit: "bytes",
      stepMs: HOUR_MS,
      series: true,
      comparePrevious: true,
    },
  },
];

function zero(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}

function floor(ms: number, stepMs: number): number {
  return ms - (((ms % stepMs) + stepMs) % stepMs);
}

function volume(totals: Totals, unit: ExploreUnit): number {
  if (unit === "bytes") return totals.bytes;
  if (unit === "bits/s") return totals.bytes * 8;
  if (unit === "flows") return totals.flows;
  return totals.packets;
}

/** A series from the records of one group (or all), straight from the definitions. */
function referenceSeries(
  records: readonly FlowRecord[],
  timesMs: readonly number[],
  query: Case["query"],
  stepMs: number,
): ExploreSeries {
  const totals = zero();
  const perStep = timesMs.map(() => zero());
  for (const record of records) {
    totals.bytes += record.bytes;
    totals.packets += record.packets;
    totals.flows += 1;
    const step = perStep[timesMs.indexOf(floor(record.endMs, stepMs))];
    if (step === undefined) throw new Error(`record at ${record.endMs} outside the steps`);
    step.bytes += record.bytes;
    step.packets += record.packets;
    step.flows += 1;
  }
  const rate = query.unit === "bits/s" || query.unit === "packets/s";
  const values = perStep.map((sums) => volume(sums, query.unit) / (rate ? stepMs / 1000 : 1));
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * 0.95;
  const low = sorted[Math.floor(position)] ?? 0;
  const high = sorted[Math.ceil(position)] ?? 0;
  const series: ExploreSeries = {
    totals,
    stats: {
      total: volume(totals, query.unit),
      average: values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length,
      max: Math.max(0, ...values),
      p95: values.length === 0 ? 0 : low + (high - low) * (position - Math.floor(position)),
    },
  };
  if (query.series) series.points = values;
  return series;
}

function groupRecords(
  records: readonly FlowRecord[],
  dimensions: readonly Dimension[],
): Map<string, { keys: string[]; records: FlowRecord[] }> {
  const groups = new Map<string, { keys: string[]; records: FlowRecord[] }>();
  for (const record of records) {
    const keys = dimensions.map((dimension) => {
      const keyOf = KEYS[dimension];
      if (keyOf === undefined) throw new Error(`no reference key for ${dimension}`);
      return keyOf(record);
    });
    const id = JSON.stringify(keys);
    let group = groups.get(id);
    if (group === undefined) {
      group = { keys, records: [] };
      groups.set(id, group);
    }
    group.records.push(record);
  }
  return groups;
}

function referencePeriod(
  records: readonly FlowRecord[],
  range: TimeRange,
  query: Case["query"],
  stepMs: number,
  groupKeys: readonly string[][],
): ExplorePeriod {
  const inRange = records.filter((r) => r.endMs >= range.fromMs && r.endMs < range.toMs);
  const timesMs: number[] = [];
  for (let t = floor(range.fromMs, stepMs); t < range.toMs; t += stepMs) timesMs.push(t);
  const grouped = groupRecords(inRange, query.dimensions);
  const inGroups = new Set<FlowRecord>();
  const groups = groupKeys.map((keys) => {
    const members = grouped.get(JSON.stringify(keys))?.records ?? [];
    for (const record of members) inGroups.add(record);
    return { keys, ...referenceSeries(members, timesMs, query, stepMs) };
  });
  const period: ExplorePeriod = {
    range,
    groups,
    other: referenceSeries(
      inRange.filter((r) => !inGroups.has(r)),
      timesMs,
      query,
      stepMs,
    ),
    total: referenceSeries(inRange, timesMs, query, stepMs),
  };
  if (query.series) period.timesMs = timesMs;
  return period;
}

function measureOf(totals: Totals, unit: ExploreUnit): number {
  if (unit === "bytes" || unit === "bits/s") return totals.bytes;
  if (unit === "flows") return totals.flows;
  return totals.packets;
}

/** The top groups' keys over the query's range, largest first; refuses a tie at the cut. */
function referenceTop(records: readonly FlowRecord[], c: Case, stepMs: number): string[][] {
  const { query } = c;
  if (query.dimensions.length === 0) return [];
  const period = referencePeriod(
    records,
    query.range,
    { ...query, series: false },
    stepMs,
    [
      ...groupRecords(
        records.filter((r) => r.endMs >= query.range.fromMs && r.endMs < query.range.toMs),
        query.dimensions,
      ).values(),
    ].map((g) => g.keys),
  );
  const ranked = period.groups.sort(
    (a, b) => measureOf(b.totals, query.unit) - measureOf(a.totals, query.unit),
  );
  const cut = ranked[query.limit];
  const last = ranked[query.limit - 1];
  if (
    cut !== undefined &&
    last !== undefined &&
    measureOf(cut.totals, query.unit) === measureOf(last.totals, query.unit)
  ) {
    throw new Error(`case "${c.name}" ties at its limit: choose another limit`);
  }
  return ranked.slice(0, query.limit).map((group) => group.keys);
}

/** Rounds every number to 12 significant digits (the store may sum in another order). */
function rounded<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_, v: unknown) =>
      typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
    ),
  ) as T;
}

/** The answer with groups of equal measure in key order: backends break ties in their types. */
function comparable(result: ExploreResult): ExploreResult {
  const order = result.groups.map((group) => JSON.stringify(group.keys));
  const sortedOrder = [...result.groups]
    .sort(
      (a, b) =>
        measureOf(b.totals, result.unit) - measureOf(a.totals, result.unit) ||
        JSON.stringify(a.keys).localeCompare(JSON.stringify(b.keys)),
    )
    .map((group) => JSON.stringify(group.keys));
  const reorder = <P extends ExplorePeriod>(period: P): P => ({
    ...period,
    groups: sortedOrder.map((id) => period.groups[order.indexOf(id)]),
  });
  // Which table answered is each backend's own business.
  const rest = reorder(result);
  delete rest.source;
  if (rest.previous !== undefined) rest.previous = reorder(rest.previous);
  return rounded(rest);
}

export function describeExploreContract(name: string, open: () => Promise<ContractStore>): void {
  describe(`FlowStore explore contract: ${name}`, () => {
    const records = contractFlows(3000, 23);
    const opened: ContractStore[] = [];
    let filled: Promise<FlowStore> | undefined;
    afterAll(async () => {
      await Promise.all(opened.splice(0).map((entry) => entry.dispose()));
    });
    function store(): Promise<FlowStore> {
      filled ??= (async () => {
        const entry = await open();
        opened.push(entry);
        for (const slice of [records.slice(0, 1200), records.slice(1200)]) {
          const { batch, networks } = contractBatch(slice);
          await entry.store.append(batch, networks);
        }
        return entry.store;
      })();
      return filled;
    }

    for (const c of CASES) {
      it(`explores: ${c.name}`, async () => {
        const flows = await store();
        const query: ExploreQuery = { ...c.query };
        let matching = records;
        if (c.filter !== undefined) {
          query.filter = { where: parseFilterExpression(c.filter.text), whereText: c.filter.text };
          matching = records.filter(c.filter.matches);
        }
        const result = await flows.explore(query);
        const stepMs = c.query.stepMs ?? result.stepMs;
        if (c.query.stepMs === undefined) expect(result.stepMs).toBe(MINUTE_MS);
        const top = referenceTop(matching, c, stepMs);
        const expected: ExploreResult = {
          dimensions: [...c.query.dimensions],
          unit: c.query.unit,
          limit: c.query.limit,
          stepMs,
          ...referencePeriod(matching, c.query.range, c.query, stepMs, top),
        };
        if (c.query.comparePrevious === true) {
          const length = c.query.range.toMs - c.query.range.fromMs;
          const before = { fromMs: c.query.range.fromMs - length, toMs: c.query.range.fromMs };
          expected.previous = referencePeriod(matching, before, c.query, stepMs, top);
        }
        expect(comparable(result)).toEqual(comparable(expected));
        // Largest first, as the store ranked them.
        const measures = result.groups.map((group) => measureOf(group.totals, result.unit));
        expect(measures).toEqual([...measures].sort((a, b) => b - a));
      });
    }

    it("an empty range answers zeros on every step; an empty store answers no range", async () => {
      const flows = await store();
      const range = { fromMs: FULL.toMs + HOUR_MS, toMs: FULL.toMs + 2 * HOUR_MS };
      const result = await flows.explore({
        range,
        dimensions: ["src.net"],
        limit: 3,
        unit: "bits/s",
        stepMs: 10 * MINUTE_MS,
        series: true,
      });
      expect(result.groups).toEqual([]);
      expect(result.total.points).toEqual([0, 0, 0, 0, 0, 0]);
      expect(result.other.stats).toEqual({ total: 0, average: 0, max: 0, p95: 0 });
      const empty = await open();
      opened.push(empty);
      const none = await empty.store.explore({
        range: {},
        dimensions: ["proto"],
        limit: 3,
        unit: "bytes",
        series: true,
      });
      expect(none.range).toBeNull();
      expect(none.groups).toEqual([]);
      expect(none.total.totals).toEqual(zero());
    });

    it("refuses bad explorer queries with ERR_QUERY_INVALID", async () => {
      const flows = await store();
      const base: ExploreQuery = {
        range: FULL,
        dimensions: ["proto"],
        limit: 3,
        unit: "bytes",
        series: false,
      };
      const bad: ExploreQuery[] = [
        { ...base, dimensions: ["proto", "src.net", "dst.net", "src.port", "dst.port"] },
        { ...base, dimensions: ["proto", "proto"] },
        { ...base, dimensions: ["src.tag.bad key"] as Dimension[] },
        { ...base, limit: 0 },
        { ...base, unit: "bytes/s" as ExploreUnit },
        { ...base, stepMs: 0 },
        { ...base, stepMs: 1, series: true },
      ];
      for (const query of bad) {
        const error = await flows.explore(query).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, JSON.stringify(query)).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe("ERR_QUERY_INVALID");
      }
    });
  });
}
