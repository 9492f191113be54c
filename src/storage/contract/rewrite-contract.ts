import { afterEach, describe, expect, it } from "vitest";
import {
  DIRECTIONS,
  LOCALITIES,
  countryCode,
  cloudContextKey,
  type FlowBatch,
  type FlowRecord,
} from "../../core/index.ts";
import { batchOfRecords } from "../records.ts";
import type { FlowStore, NetworkRef, RewritableFlowStore } from "../store.ts";
import { CONTRACT_T0_MS, contractFlows } from "./contract-flows.ts";

/**
 * The contract of `RewritableFlowStore` (`tollgate reclassify`, `inventory suggest`), for the
 * backends that offer it. The rewrite here is a stand-in for the classifier (storage cannot
 * import the pipeline): it sets values no stored flow has, so what changed, and what did not,
 * shows in the port's own queries.
 */
export interface RewritableContractStore {
  store: FlowStore & RewritableFlowStore;
  dispose(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const INTERNAL = DIRECTIONS.indexOf("internal");
const CDN = LOCALITIES.indexOf("cdn");
const ZZ = countryCode("ZZ");

/** A rewrite that leaves a mark on every column reclassification owns. */
function marker(): { networks: NetworkRef[]; rewrite: (batch: FlowBatch) => NetworkRef[] } {
  const networks: NetworkRef[] = [];
  return {
    networks,
    rewrite(batch) {
      if (networks.length === 0) {
        networks.push(
          { name: "rewritten-src", tags: { pass: "two" } },
          { name: "rewritten-dst", tags: {}, attributes: { site: "new" } },
        );
      }
      for (let row = 0; row < batch.length; row++) {
        batch.bytes[row] = (batch.sampledBytes[row] ?? 0) * 3;
        batch.packets[row] = (batch.sampledPackets[row] ?? 0) * 3;
        batch.direction[row] = INTERNAL;
        batch.locality[row] = CDN;
        batch.srcNetwork[row] = 1;
        batch.dstNetwork[row] = 2;
        batch.srcCountry[row] = ZZ;
        if (batch.srcAs[row] === 0) batch.srcAs[row] = 65001;
      }
      return networks;
    },
  };
}

function storedFlows(records: readonly FlowRecord[]): { batch: FlowBatch; networks: NetworkRef[] } {
  const { batch, networks } = batchOfRecords(records);
  records.forEach((record, row) => {
    batch.srcCountry[row] = countryCode(record.srcCountry);
    batch.dstCountry[row] = countryCode(record.dstCountry);
  });
  return { batch, networks };
}

export function describeRewritableContract(
  name: string,
  open: () => Promise<RewritableContractStore>,
): void {
  describe(`RewritableFlowStore contract: ${name}`, () => {
    let opened: RewritableContractStore | undefined;
    afterEach(async () => {
      await opened?.dispose();
      opened = undefined;
    });

    const records = contractFlows(3000, 23, 3 * HOUR_MS);
    const range = { fromMs: CONTRACT_T0_MS + HOUR_MS, toMs: CONTRACT_T0_MS + 2 * HOUR_MS };
    const inRange = (record: FlowRecord) =>
      record.endMs >= range.fromMs && record.endMs < range.toMs;

    it("scans exactly the flows of a range, with what the classifier reads", async () => {
      opened = await open();
      const { store } = opened;
      const { batch, networks } = storedFlows(records);
      await store.append(batch, networks);
      const seen: string[] = [];
      const progress = await store.scanFlows({ range }, (read) => {
        for (let row = 0; row < read.length; row++) {
          const flow = read.decoded(row);
          seen.push(
            JSON.stringify([
              flow.endMs,
              flow.srcAddr,
              flow.dstAddr,
              flow.exporterAddr,
              flow.inIf,
              flow.outIf,
              flow.sampledBytes,
              flow.samplingRate,
              flow.flowDirection ?? 255,
              flow.srcAs,
              flow.cloud === undefined ? "" : cloudContextKey(flow.cloud),
              read.bytes[row],
            ]),
          );
        }
      });
      const expected = records
        .filter(inRange)
        .map((record) =>
          JSON.stringify([
            record.endMs,
            record.srcAddr,
            record.dstAddr,
            record.exporterAddr,
            record.inIf,
            record.outIf,
            record.sampledBytes,
            record.samplingRate,
            record.flowDirection ?? 255,
            record.srcAs,
            record.cloud === undefined ? "" : cloudContextKey(record.cloud),
            record.bytes,
          ]),
        );
      expect(seen.sort()).toEqual(expected.sort());
      expect(progress.rows).toBe(expected.length);
      expect(progress.chunksDone).toBe(progress.chunks);

      const cloudRows: number[] = [];
      await store.scanFlows({ range: {}, cloudOnly: true }, (read) => {
        for (let row = 0; row < read.length; row++) cloudRows.push(read.cloud[row] ?? 0);
      });
      expect(cloudRows.length).toBe(records.filter((record) => record.cloud).length);
      expect(cloudRows.every((index) => index > 0)).toBe(true);
    });

    it("rewrites the pipeline columns of exactly the flows of a range", async () => {
      opened = await open();
      const { store } = opened;
      const { batch, networks } = storedFlows(records);
      await store.append(batch, networks);
      const outside = { fromMs: CONTRACT_T0_MS + 2 * HOUR_MS, toMs: CONTRACT_T0_MS + 3 * HOUR_MS };
      const before = await store.top({ range: outside, by: "src.net", metric: "bytes", limit: 50 });

      const { rewrite } = marker();
      const updates: number[] = [];
      const result = await store.reclassify({ range }, rewrite, (progress) =>
        updates.push(progress.chunksDone),
      );
      const changed = records.filter(inRange);
      expect(result.rows).toBe(changed.length);
      expect(result.directionChanged).toBe(
        changed.filter((r) => r.direction !== "internal").length,
      );
      expect(result.localityChanged).toBe(changed.filter((r) => r.locality !== "cdn").length);
      expect(result.networkChanged).toBe(changed.length);
      expect(updates.at(-1)).toBe(result.chunks);

      const summary = await store.summary({ range });
      expect(summary.total.flows).toBe(changed.length);
      expect(summary.directions.internal.flows).toBe(changed.length);
      expect(summary.total.bytes).toBe(changed.reduce((sum, r) => sum + r.sampledBytes * 3, 0));
      const src = await store.top({ range, by: "src.net", metric: "flows", limit: 10 });
      expect(src.rows.map((row) => [row.key, row.flows])).toEqual([
        ["rewritten-src", changed.length],
      ]);
      const site = await store.top({ range, by: "dst.site", metric: "flows", limit: 10 });
      expect(site.rows.map((row) => row.key)).toEqual(["new"]);
      const country = await store.top({ range, by: "src.country", metric: "flows", limit: 10 });
      expect(country.rows.map((row) => row.key)).toEqual(["ZZ"]);
      const locality = await store.top({ range, by: "locality", metric: "flows", limit: 10 });
      expect(locality.rows.map((row) => row.key)).toEqual(["cdn"]);
      const as = await store.top({ range, by: "src.as", metric: "flows", limit: 10 });
      const keptAs = new Set(changed.map((r) => String(r.srcAs === 0 ? 65001 : r.srcAs)));
      expect(new Set(as.rows.map((row) => row.key))).toEqual(keptAs);

      const after = await store.top({ range: outside, by: "src.net", metric: "bytes", limit: 50 });
      expect(after).toEqual(before);
      const total = await store.summary({ range: {} });
      expect(total.total.flows).toBe(records.length);

      // A second pass with the same rewrite changes nothing more.
      const again = await store.reclassify({ range }, marker().rewrite);
      expect(again.rows).toBe(changed.length);
      expect(again.directionChanged).toBe(0);
      expect(again.localityChanged).toBe(0);
    });

    it("reclassifies nothing in an empty range", async () => {
      opened = await open();
      const { store } = opened;
      const { batch, networks } = storedFlows(records);
      await store.append(batch, networks);
      const empty = { fromMs: CONTRACT_T0_MS - 2 * HOUR_MS, toMs: CONTRACT_T0_MS - HOUR_MS };
      const result = await store.reclassify({ range: empty }, marker().rewrite);
      expect(result).toMatchObject({ rows: 0, chunks: 0 });
    });
  });
}
