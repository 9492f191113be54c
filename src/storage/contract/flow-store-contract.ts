import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  AppError,
  DIRECTIONS,
  FlowBatch,
  type FlowRecord,
  type ImportCheckpoint,
  type InterfaceCounters,
} from "../../core/index.ts";
import { parseFilterExpression } from "../../query/filter/index.ts";
import { batchOfRecords } from "../records.ts";
import type { Dimension, FlowStore, Metric, Totals } from "../store.ts";
import {
  CONTRACT_T0_MS,
  contractBatch,
  contractFlows,
  networkAttribute,
} from "./contract-flows.ts";
import { CONTRACT_FILTERS, FILTER_INJECTIONS } from "./contract-filters.ts";

async function appendRecords(store: FlowStore, records: readonly FlowRecord[]): Promise<void> {
  const { batch, networks } = contractBatch(records);
  await store.append(batch, networks);
}

/**
 * The one contract every FlowStore backend meets (STYLE.md "Contract suites"): the same
 * flows appended, the same questions asked, answers checked against a reference computed here
 * from the records themselves. A backend that cannot do something declares it in
 * `capabilities`, and the test says so by name instead of passing silently.
 */

export interface ContractStore {
  store: FlowStore;
  /** Stops the store and removes what the test made (a file, a database). */
  dispose(): Promise<void>;
}

export interface ContractCapabilities {
  /**
   * Flows and their import checkpoints commit atomically (DuckDB: one transaction). ClickHouse
   * writes checkpoints after the rows: the contract then checks only what is stored, and the
   * crash window is documented by the backend.
   */
  atomicCheckpoints: boolean;
}

type Open = () => Promise<ContractStore>;

const HOUR_MS = 3_600_000;

function zero(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}
function add(totals: Totals, record: FlowRecord): void {
  totals.bytes += record.bytes;
  totals.packets += record.packets;
  totals.flows += 1;
}
function sumOf(records: readonly FlowRecord[]): Totals {
  const totals = zero();
  for (const record of records) add(totals, record);
  return totals;
}
function groupBy(
  records: readonly FlowRecord[],
  key: (r: FlowRecord) => string,
): Map<string, Totals> {
  const groups = new Map<string, Totals>();
  for (const record of records) {
    const k = key(record);
    let totals = groups.get(k);
    if (totals === undefined) {
      totals = zero();
      groups.set(k, totals);
    }
    add(totals, record);
  }
  return groups;
}

/** The reference key of each dimension the contract asks about, from a record. */
export const REFERENCE_KEYS: readonly [Dimension, (r: FlowRecord) => string][] = [
  ["src.addr", (r) => r.srcAddr],
  ["dst.addr", (r) => r.dstAddr],
  ["src.port", (r) => String(r.srcPort)],
  ["dst.port", (r) => String(r.dstPort)],
  ["proto", (r) => String(r.protocol)],
  ["exporter", (r) => r.exporterAddr],
  ["in.if", (r) => String(r.inIf)],
  ["src.net", (r) => r.srcNetwork],
  ["dst.net", (r) => r.dstNetwork],
  ["direction", (r) => r.direction],
  ["direction.source", (r) => r.directionSource],
  ["locality", (r) => r.locality],
  ["ip.version", (r) => String(r.ipVersion)],
  ["src.as", (r) => String(r.srcAs)],
  ["source", (r) => r.source],
  ["observed.action", (r) => r.observedAction ?? ""],
  ["cloud.provider", (r) => r.cloud?.provider ?? ""],
  ["cloud.account", (r) => r.cloud?.account ?? ""],
  ["cloud.region", (r) => r.cloud?.region ?? ""],
  ["cloud.zone", (r) => r.cloud?.zone ?? ""],
  ["cloud.vpc", (r) => r.cloud?.vpc ?? ""],
  ["cloud.subnet", (r) => r.cloud?.subnet ?? ""],
  ["cloud.instance", (r) => r.cloud?.instance ?? ""],
  ["cloud.interface", (r) => r.cloud?.interface ?? ""],
  ["src.tag.team", (r) => r.srcTags["team"] ?? ""],
  ["dst.tag.env", (r) => r.dstTags["env"] ?? ""],
  ["src.tag.cost-center", (r) => r.srcTags["cost-center"] ?? ""],
  ["src.country", (r) => r.srcCountry],
  ["dst.country", (r) => r.dstCountry],
  ...([
    "site",
    "provider",
    "account",
    "region",
    "zone",
    "vpc",
    "subnet",
    "egress",
    "service",
  ].flatMap((attribute) => [
    [`src.${attribute}`, (r: FlowRecord) => networkAttribute(r.srcNetwork, attribute)],
    [`dst.${attribute}`, (r: FlowRecord) => networkAttribute(r.dstNetwork, attribute)],
  ]) as [Dimension, (r: FlowRecord) => string][]),
];

function checkpoint(
  fileKey: string,
  offsetBytes: number,
  records: number,
  complete = false,
): ImportCheckpoint {
  return {
    fileKey,
    headSha256: "ab".repeat(32),
    headBytes: 4096,
    sizeBytes: 1_000_000,
    mtimeMs: 1_767_225_600_123.5,
    format: "aws-vpc",
    offsetBytes,
    line: 1 + records,
    records,
    complete,
  };
}

function counterSample(ifIndex: number, receivedMs: number): InterfaceCounters {
  return {
    receivedMs,
    agentAddr: "192.0.2.1",
    subAgentId: 0,
    sequence: ifIndex,
    ifIndex,
    ifType: 6,
    ifSpeedBps: 10_000_000_000,
    ifDirection: 1,
    ifStatus: 3,
    inOctets: 123_456_789_012,
    inUcastPkts: 1000,
    inMulticastPkts: 0,
    inBroadcastPkts: 0,
    inDiscards: 0,
    inErrors: 0,
    inUnknownProtos: 0,
    outOctets: 987_654_321,
    outUcastPkts: 2000,
    outMulticastPkts: 0,
    outBroadcastPkts: 0,
    outDiscards: 1,
    outErrors: 0,
    promiscuousMode: 0,
  };
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("ERR_QUERY_INVALID");
}

export function describeFlowStoreContract(
  name: string,
  open: Open,
  capabilities: ContractCapabilities,
): void {
  describe(`FlowStore contract: ${name}`, () => {
    const opened: ContractStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((entry) => entry.dispose()));
    });
    async function fresh(): Promise<FlowStore> {
      const entry = await open();
      opened.push(entry);
      return entry.store;
    }
    const records = contractFlows(3000);
    const range = { fromMs: CONTRACT_T0_MS, toMs: CONTRACT_T0_MS + 3 * HOUR_MS };

    async function filled(): Promise<FlowStore> {
      const store = await fresh();
      // Three batches: totals must add up across them.
      await appendRecords(store, records.slice(0, 1000));
      await appendRecords(store, records.slice(1000, 2500));
      await appendRecords(store, records.slice(2500));
      return store;
    }

    it("an empty store answers empty results", async () => {
      const store = await fresh();
      expect(await store.dataRange()).toBeNull();
      const summary = await store.summary({ range: {} });
      expect(summary.range).toBeNull();
      expect(summary.total).toEqual(zero());
      const top = await store.top({ range: {}, by: "src.addr", metric: "bytes", limit: 5 });
      expect(top.rows).toEqual([]);
      expect(top.other).toEqual(zero());
      const series = await store.timeseries({ range: {}, stepMs: 60_000, metric: "bytes" });
      expect(series.points).toEqual([]);
      // With explicit bounds: every bucket present and zero.
      const bounded = await store.timeseries({ range, stepMs: HOUR_MS, metric: "flows" });
      expect(bounded.points).toHaveLength(3);
      for (const point of bounded.points)
        expect(Object.values(point.byDirection)).toEqual([0, 0, 0, 0]);
      expect(await store.countInterfaceCounters()).toBe(0);
      expect(await store.importCheckpoints()).toEqual([]);
    });

    it("appends and sums every direction exactly", async () => {
      const store = await filled();
      const summary = await store.summary({ range: {} });
      const last = Math.max(...records.map((r) => r.endMs));
      const first = Math.min(...records.map((r) => r.endMs));
      expect(summary.range).toEqual({ fromMs: first, toMs: last + 1 });
      expect(await store.dataRange()).toEqual({ fromMs: first, toMs: last + 1 });
      expect(summary.total).toEqual(sumOf(records));
      for (const direction of DIRECTIONS) {
        expect(summary.directions[direction]).toEqual(
          sumOf(records.filter((r) => r.direction === direction)),
        );
      }
      const egress = await store.summary({ range, filter: { direction: "egress" } });
      expect(egress.total).toEqual(sumOf(records.filter((r) => r.direction === "egress")));
      expect(egress.directions.ingress).toEqual(zero());
    });

    it("ranges are half-open on the end time; omitted bounds come from the data", async () => {
      const store = await filled();
      const cut = CONTRACT_T0_MS + HOUR_MS;
      const at = records.find((r) => r.endMs >= cut)?.endMs ?? cut;
      const before = await store.summary({ range: { fromMs: CONTRACT_T0_MS, toMs: at } });
      expect(before.total).toEqual(sumOf(records.filter((r) => r.endMs < at)));
      const after = await store.summary({ range: { fromMs: at } });
      expect(after.total).toEqual(sumOf(records.filter((r) => r.endMs >= at)));
      expect(after.range?.fromMs).toBe(at);
      const empty = await store.summary({ range: { fromMs: at, toMs: at } });
      expect(empty.total).toEqual(zero());
      // A bound past the data's other end gives an empty range, not an inverted one.
      const past = await store.summary({ range: { fromMs: range.toMs + HOUR_MS } });
      expect(past.range).toEqual({ fromMs: range.toMs + HOUR_MS, toMs: range.toMs + HOUR_MS });
      expect(past.total).toEqual(zero());
    });

    for (const [dimension, keyOf] of REFERENCE_KEYS) {
      for (const metric of ["bytes", "flows"] as const satisfies readonly Metric[]) {
        it(`top by ${dimension} (${metric}) folds the rest into other`, async () => {
          const store = await storeOnce();
          const limit = 3;
          const top = await store.top({ range, by: dimension, metric, limit });
          const groups = groupBy(records, keyOf);
          const expectedValues = [...groups.values()].map((t) => t[metric]).sort((a, b) => b - a);
          expect(top.rows.map((row) => row[metric])).toEqual(expectedValues.slice(0, limit));
          for (const row of top.rows) expect(row).toEqual({ key: row.key, ...groups.get(row.key) });
          expect(new Set(top.rows.map((row) => row.key)).size).toBe(top.rows.length);
          expect(top.total).toEqual(sumOf(records));
          const rest = zero();
          for (const [key, totals] of groups) {
            if (top.rows.some((row) => row.key === key)) continue;
            rest.bytes += totals.bytes;
            rest.packets += totals.packets;
            rest.flows += totals.flows;
          }
          expect(top.other).toEqual(rest);
        });
      }
    }

    for (const { filter, matches } of CONTRACT_FILTERS) {
      it(`filters: ${filter}`, async () => {
        const store = await storeOnce();
        const where = parseFilterExpression(filter);
        const expected = records.filter(matches);
        const summary = await store.summary({ range, filter: { where, whereText: filter } });
        expect(summary.total).toEqual(sumOf(expected));
        // The same filter on a top-N (joins to side tables) and a time series.
        const top = await store.top({
          range,
          by: "src.net",
          metric: "flows",
          limit: 100,
          filter: { where, whereText: filter },
        });
        expect(new Map(top.rows.map(({ key, ...totals }) => [key, totals]))).toEqual(
          groupBy(expected, (r) => r.srcNetwork),
        );
        const series = await store.timeseries({
          range,
          stepMs: HOUR_MS,
          metric: "packets",
          filter: { where, direction: "egress" },
        });
        expect(series.points.reduce((sum, point) => sum + point.byDirection.egress, 0)).toBe(
          sumOf(expected.filter((r) => r.direction === "egress")).packets,
        );
      });
    }

    it("filter values that try to escape their literal match nothing and change nothing", async () => {
      const store = await storeOnce();
      for (const filter of FILTER_INJECTIONS) {
        const summary = await store.summary({
          range,
          filter: { where: parseFilterExpression(filter), whereText: filter },
        });
        expect(summary.total, filter).toEqual(zero());
      }
      // Every table still answers in full.
      expect((await store.summary({ range })).total).toEqual(sumOf(records));
      const nets = await store.top({ range, by: "src.tag.team", metric: "flows", limit: 100 });
      expect(new Map(nets.rows.map(({ key, ...totals }) => [key, totals]))).toEqual(
        groupBy(records, (r) => r.srcTags["team"] ?? ""),
      );
      const exporters = await store.top({ range, by: "cloud.region", metric: "flows", limit: 100 });
      expect(exporters.total).toEqual(sumOf(records));
    });

    it("groups and filters by AS name from the names put, and replacing them changes answers", async () => {
      const store = await filled();
      // The contract flows' numbers: src 0, 64500, 64501, 4200000000; dst 0, 64500, 64502.
      // Two numbers share a name (one group); 0 and 4200000000 have none ("").
      const names = new Map([
        [64500, "EXAMPLE"],
        [64501, "EXAMPLE"],
        [64502, "Other Net, Inc."],
      ]);
      await store.putAsNames(names);
      const nameOf = (asn: number): string => names.get(asn) ?? "";
      const byName: [Dimension, (r: FlowRecord) => string][] = [
        ["src.as.name", (r) => nameOf(r.srcAs)],
        ["dst.as.name", (r) => nameOf(r.dstAs)],
      ];
      for (const [by, keyOf] of byName) {
        const top = await store.top({ range, by, metric: "bytes", limit: 100 });
        expect(new Map(top.rows.map(({ key, ...totals }) => [key, totals])), by).toEqual(
          groupBy(records, keyOf),
        );
        expect(top.total).toEqual(sumOf(records));
      }
      const filters: [string, (r: FlowRecord) => boolean][] = [
        ['dst.as.name = "Other Net, Inc."', (r) => nameOf(r.dstAs) === "Other Net, Inc."],
        ["src.as.name = EXAMPLE", (r) => nameOf(r.srcAs) === "EXAMPLE"],
        ['src.asn.name ~ "EX*"', (r) => nameOf(r.srcAs).startsWith("EX")],
        ['dst.as.name = ""', (r) => nameOf(r.dstAs) === ""],
        ["dst.as.name != EXAMPLE", (r) => nameOf(r.dstAs) !== "EXAMPLE"],
        [
          'src.as.name in (EXAMPLE, "") and not dst.as.name ~ "Other*"',
          (r) => ["EXAMPLE", ""].includes(nameOf(r.srcAs)) && !nameOf(r.dstAs).startsWith("Other"),
        ],
      ];
      for (const [filter, keep] of filters) {
        const where = { where: parseFilterExpression(filter), whereText: filter };
        const summary = await store.summary({ range, filter: where });
        expect(summary.total, filter).toEqual(sumOf(records.filter(keep)));
      }
      const explored = await store.explore({
        range,
        dimensions: ["dst.as.name", "src.as.name"],
        limit: 100,
        unit: "bytes",
        series: false,
      });
      expect(new Map(explored.groups.map((group) => [group.keys.join("|"), group.totals]))).toEqual(
        groupBy(records, (r) => `${nameOf(r.dstAs)}|${nameOf(r.srcAs)}`),
      );

      // A registry reload replaces the names whole: 64500 and 64501 lose theirs.
      await store.putAsNames(new Map([[64502, "Renamed"]]));
      const renamed = await store.top({ range, by: "dst.as.name", metric: "flows", limit: 100 });
      expect(new Map(renamed.rows.map(({ key, ...totals }) => [key, totals]))).toEqual(
        groupBy(records, (r) => (r.dstAs === 64502 ? "Renamed" : "")),
      );
      const old = "src.as.name = EXAMPLE";
      const gone = await store.summary({
        range,
        filter: { where: parseFilterExpression(old), whereText: old },
      });
      expect(gone.total).toEqual(zero());
    });

    it("top with a limit above the group count returns every group, with a filter", async () => {
      const store = await storeOnce();
      const egress = records.filter((r) => r.direction === "egress");
      const top = await store.top({
        range,
        by: "dst.net",
        metric: "packets",
        limit: 100,
        filter: { direction: "egress" },
      });
      const groups = groupBy(egress, (r) => r.dstNetwork);
      expect(top.rows).toHaveLength(groups.size);
      expect(top.other).toEqual(zero());
      expect(new Map(top.rows.map(({ key, ...totals }) => [key, totals]))).toEqual(groups);
      const none = await store.top({ range, by: "proto", metric: "bytes", limit: 0 });
      expect(none.rows).toEqual([]);
      expect(none.other).toEqual(sumOf(records));
    });

    it("time series buckets every step of the range, zero-filled", async () => {
      const store = await storeOnce();
      const stepMs = 15 * 60_000;
      // One empty hour before the data and one after.
      const wide = { fromMs: range.fromMs - HOUR_MS, toMs: range.toMs + HOUR_MS };
      const series = await store.timeseries({ range: wide, stepMs, metric: "bytes" });
      expect(series.points).toHaveLength((5 * HOUR_MS) / stepMs);
      expect(series.points[0]?.timeMs).toBe(wide.fromMs);
      for (const [index, point] of series.points.entries()) {
        expect(point.timeMs).toBe(wide.fromMs + index * stepMs);
        const inBucket = records.filter(
          (r) => r.endMs >= point.timeMs && r.endMs < point.timeMs + stepMs,
        );
        for (const direction of DIRECTIONS) {
          expect(point.byDirection[direction]).toBe(
            sumOf(inBucket.filter((r) => r.direction === direction)).bytes,
          );
        }
      }
      expect(
        series.points.slice(0, 4).every((p) => Object.values(p.byDirection).every((v) => v === 0)),
      ).toBe(true);
      const flows = await store.timeseries({
        range,
        stepMs: HOUR_MS,
        metric: "flows",
        filter: { direction: "ingress" },
      });
      expect(flows.points.reduce((sum, p) => sum + p.byDirection.ingress, 0)).toBe(
        records.filter((r) => r.direction === "ingress").length,
      );
      expect(flows.points.every((p) => p.byDirection.egress === 0)).toBe(true);
    });

    it("stores interface counter samples", async () => {
      const store = await fresh();
      await store.appendCounters([
        counterSample(1, CONTRACT_T0_MS),
        counterSample(2, CONTRACT_T0_MS),
      ]);
      await store.appendCounters([counterSample(1, CONTRACT_T0_MS + 30_000)]);
      await store.appendCounters([]);
      expect(await store.countInterfaceCounters()).toBe(3);
    });

    it(
      capabilities.atomicCheckpoints
        ? "commits import checkpoints with their rows, the latest per file"
        : "stores import checkpoints after their rows, the latest per file (not atomic: see the backend's docs)",
      async () => {
        const store = await fresh();
        const { batch, networks } = batchOfRecords(records.slice(0, 10));
        batch.addCheckpoint(checkpoint("/logs/a.gz", 100, 10));
        await store.append(batch, networks);
        const second = batchOfRecords(records.slice(10, 15));
        second.batch.addCheckpoint(checkpoint("/logs/a.gz", 150, 15, true));
        second.batch.addCheckpoint(checkpoint("/logs/b.gz", 20, 0));
        await store.append(second.batch, second.networks);
        // A batch with no rows but a checkpoint commits the checkpoint only.
        const onlyCheckpoint = new FlowBatch(1);
        onlyCheckpoint.addCheckpoint(checkpoint("/logs/c.gz", 0, 0, true));
        await store.append(onlyCheckpoint, []);
        const stored = await store.importCheckpoints();
        stored.sort((a, b) => a.fileKey.localeCompare(b.fileKey));
        expect(stored).toEqual([
          checkpoint("/logs/a.gz", 150, 15, true),
          checkpoint("/logs/b.gz", 20, 0),
          checkpoint("/logs/c.gz", 0, 0, true),
        ]);
        expect((await store.summary({ range: {} })).total.flows).toBe(15);
      },
    );

    it("refuses bad queries with ERR_QUERY_INVALID", async () => {
      const store = await fresh();
      await expectInvalid(store.top({ range, by: "nope" as Dimension, metric: "bytes", limit: 3 }));
      await expectInvalid(store.top({ range, by: "src.tag.a'b", metric: "bytes", limit: 3 }));
      await expectInvalid(store.top({ range, by: "proto", metric: "bits" as Metric, limit: 3 }));
      await expectInvalid(store.top({ range, by: "proto", metric: "bytes", limit: -1 }));
      await expectInvalid(store.summary({ range: { fromMs: 10, toMs: 5 } }));
      await expectInvalid(store.summary({ range: { fromMs: 1.5 } }));
      await expectInvalid(
        store.summary({ range, filter: { direction: "sideways' OR 1=1" as "egress" } }),
      );
      await expectInvalid(store.timeseries({ range, stepMs: 0, metric: "bytes" }));
      await expectInvalid(store.timeseries({ range, stepMs: 1, metric: "bytes" }));
    });

    it("rejects a batch it cannot convert, naming the record and column", async () => {
      const store = await fresh();
      const { batch, networks } = batchOfRecords(records.slice(0, 3));
      batch.bytes[1] = -5;
      const error = await store.append(batch, networks).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("ERR_STORE_WRITE");
      expect((error as AppError).message).toMatch(/record 1, column bytes/);
      expect((await store.summary({ range: {} })).total).toEqual(zero());
    });

    // The read-only tests share one filled store (filling costs more than the queries).
    let shared: Promise<FlowStore> | undefined;
    let sharedEntry: ContractStore | undefined;
    function storeOnce(): Promise<FlowStore> {
      shared ??= (async () => {
        sharedEntry = await open();
        const store = sharedEntry.store;
        await appendRecords(store, records.slice(0, 1000));
        await appendRecords(store, records.slice(1000));
        return store;
      })();
      return shared;
    }
    afterAll(async () => {
      await sharedEntry?.dispose();
    });
  });
}
