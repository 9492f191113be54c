import { afterAll, beforeAll, describe, it } from "vitest";
import {
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../../../test/helpers/clickhouse.ts";
import {
  describeExploreContract,
  describeFlowStoreContract,
  describeTieredContract,
} from "../contract/index.ts";
import { defaultRollupSettings } from "../tiers.ts";
import { createClickHouseStore, defaultClickHouseStoreConfig } from "./index.ts";

// One real clickhouse-server for the file; every contract test gets a database of its own.
if (clickhouseAvailable()) {
  let server: ClickHouseServer | undefined;
  beforeAll(async () => {
    server = await startClickHouse();
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });
  let counter = 0;
  const open = async () => {
    if (server === undefined) throw new Error("clickhouse-server did not start");
    counter++;
    const database = `contract_${process.pid}_${counter}`;
    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server.url,
      database,
      rollups: defaultRollupSettings,
    });
    await store.start();
    const url = server.url;
    return {
      store,
      dispose: async () => {
        await store.stop();
        await fetch(`${url}/`, { method: "POST", body: `DROP DATABASE IF EXISTS ${database}` });
      },
    };
  };
  describeFlowStoreContract("clickhouse", open, { atomicCheckpoints: false });
  describeExploreContract("clickhouse", open);
  describeTieredContract("clickhouse", open, { bytesOnDiskAtOnce: true });
} else {
  describe.skip("FlowStore contract: clickhouse (clickhouse-server not installed)", () => {
    it("needs clickhouse-server", () => undefined);
  });
}
