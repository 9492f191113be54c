import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../../../test/helpers/clickhouse.ts";
import { createClickHouseStore, defaultClickHouseStoreConfig } from "./index.ts";

/**
 * `putAsNames` on a real ClickHouse 18.16: the names are replaced whole through a staging
 * table and a RENAME, nothing of the staging is left behind, and two puts at once end with
 * one whole map, not a mix.
 */
describe.skipIf(!clickhouseAvailable())("ClickHouse AS names table", () => {
  let server: ClickHouseServer | undefined;
  beforeAll(async () => {
    server = await startClickHouse();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const sql = async (query: string): Promise<string> => {
    const response = await fetch(`${server?.url ?? ""}/`, { method: "POST", body: query });
    const text = await response.text();
    if (!response.ok) throw new Error(`${query}: ${text}`);
    return text.trim();
  };

  it("replaces the whole registry's names, leaving no staging table", async () => {
    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server?.url ?? "",
      database: "names",
    });
    await store.start();
    try {
      // About the size of the default registry's map.
      const full = new Map(Array.from({ length: 80_000 }, (_, i) => [i + 1, `AS-${i + 1}, Inc.`]));
      await store.putAsNames(full);
      expect(await sql("SELECT count(), max(asn) FROM names.as_names")).toBe("80000\t80000");
      expect(await sql("SELECT name FROM names.as_names WHERE asn = 4242")).toBe("AS-4242, Inc.");

      await store.putAsNames(new Map([[15169, "GOOGLE"]]));
      expect(await sql("SELECT asn, name FROM names.as_names")).toBe("15169\tGOOGLE");

      const first = new Map([
        [1, "ONE"],
        [2, "ONE"],
      ]);
      const second = new Map([[3, "THREE"]]);
      await Promise.all([store.putAsNames(first), store.putAsNames(second)]);
      const rows = await sql("SELECT asn, name FROM names.as_names ORDER BY asn");
      expect(["1\tONE\n2\tONE", "3\tTHREE"]).toContain(rows);
      expect(
        await sql(
          "SELECT count() FROM system.tables WHERE database = 'names' AND name LIKE 'as\\\\_names\\\\_%'",
        ),
      ).toBe("0");
    } finally {
      await store.stop();
    }
  });

  it("keeps the names when the store starts again", async () => {
    const config = { ...defaultClickHouseStoreConfig, url: server?.url ?? "", database: "again" };
    const store = createClickHouseStore(config);
    await store.start();
    await store.putAsNames(new Map([[64500, "EXAMPLE"]]));
    await store.stop();
    const reopened = createClickHouseStore(config);
    await reopened.start();
    await reopened.stop();
    expect(await sql("SELECT asn, name FROM again.as_names")).toBe("64500\tEXAMPLE");
  });
});
