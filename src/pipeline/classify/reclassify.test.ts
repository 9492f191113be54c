import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FlowBatch } from "../../core/index.ts";
import { buildNetworkTable } from "../../inventory/index.ts";
import { createDuckDbStore, type DuckDbStore } from "../../storage/duckdb/index.ts";
import { createClassifier } from "./classifier.ts";
import { createReclassifyJob } from "./reclassify.ts";

function table(cidrs: string[]) {
  const built = buildNetworkTable([{ name: "ours", cidrs, tags: { team: "x" } }]);
  if (!built.ok) throw new Error("bad table");
  return built.table;
}

describe("createReclassifyJob", () => {
  let store: DuckDbStore | undefined;
  let dir = "";
  afterEach(async () => {
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("classifies stored flows again with the classifier's inventory, one run at a time", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tollgate-reclassify-job-"));
    store = createDuckDbStore({ path: path.join(dir, "flows.duckdb"), readOnly: false });
    await store.start();
    const classifier = createClassifier(table(["10.0.0.0/8"]));
    const batch = new FlowBatch(8);
    for (let index = 0; index < 200; index++) {
      batch.appendDecoded({
        startMs: 1000 + index,
        endMs: 2000 + index,
        exporterAddr: "192.0.2.1",
        source: "ipfix",
        inIf: 1,
        outIf: 2,
        ipVersion: 4,
        srcAddr: `10.0.0.${index % 250}`,
        dstAddr: `192.168.1.${index % 250}`,
        srcPort: 1000,
        dstPort: 443,
        protocol: 6,
        tcpFlags: 0,
        tos: 0,
        srcAs: 0,
        dstAs: 0,
        srcMaskLen: 0,
        dstMaskLen: 0,
        nextHop: "",
        sampledBytes: 100,
        sampledPackets: 1,
        samplingRate: 10,
        samplingRateKnown: true,
      });
    }
    classifier.classifyRows(batch, 0, batch.length, 0);
    await store.append(batch, classifier.networks);
    expect((await store.summary({ range: {} })).directions.egress.flows).toBe(200);

    // 192.168/16 becomes ours too: every flow turns internal.
    classifier.setInventory(createClassifier(table(["10.0.0.0/8", "192.168.0.0/16"])).inventory);
    const job = createReclassifyJob({ store, classifier, nowMs: () => 0 });
    const first = job.run({ range: {} });
    expect(job.running).toBe(true);
    await expect(job.run({ range: {} })).rejects.toMatchObject({ code: "ERR_RECLASSIFY_RUNNING" });
    const result = await first;
    expect(job.running).toBe(false);
    expect(result).toMatchObject({ rows: 200, directionChanged: 200, networkChanged: 200 });
    const summary = await store.summary({ range: {} });
    expect(summary.directions.internal).toEqual({ flows: 200, bytes: 200 * 1000, packets: 2000 });
  });
});
