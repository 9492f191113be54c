import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { asNamesComment, asNamesDigest, replaceAsNames } from "./as-names.ts";
import { AS_NAMES_TABLE } from "./schema.ts";

/**
 * The digest `replaceAsNames` skips a rewrite by, and the table comment that carries it: equal
 * maps agree, any other map differs, and the comment is written with the rows or not at all.
 */
describe("AS names digest", () => {
  const names = new Map([
    [13_335, "Ærø Telekom – “quoted” 'single'"],
    [7, "line\nbreak"],
    [64_512, "a,b"],
    [4_294_967_295, "LAST"],
  ]);

  async function withTable(run: (connection: DuckDBConnection) => Promise<void>): Promise<void> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(
        `CREATE TABLE ${AS_NAMES_TABLE} (asn UINTEGER NOT NULL, name VARCHAR NOT NULL)`,
      );
      await run(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  it("agrees for an equal map and differs for any other name, number or split", () => {
    expect(asNamesDigest(new Map(names))).toBe(asNamesDigest(names));
    expect(asNamesDigest(new Map(names).set(7, "line\nbreaK"))).not.toBe(asNamesDigest(names));
    expect(asNamesDigest(new Map([[1, "x"]]))).not.toBe(asNamesDigest(new Map([[2, "x"]])));
    expect(asNamesDigest(new Map([[1, "a,b"]]))).not.toBe(
      asNamesDigest(
        new Map([
          [1, "a"],
          [2, "b"],
        ]),
      ),
    );
    expect(asNamesDigest(new Map())).not.toBe(asNamesDigest(new Map([[0, ""]])));
  });

  it("is left on the table with the rows it describes, and only then", async () => {
    await withTable(async (connection) => {
      expect(await asNamesComment(connection)).toBe("");
      await replaceAsNames(connection, names);
      expect(await asNamesComment(connection)).toContain(asNamesDigest(names));
      const rows = await connection.runAndReadAll(
        `SELECT asn::DOUBLE, name FROM ${AS_NAMES_TABLE} ORDER BY asn`,
      );
      expect(rows.getRows()).toEqual([...names].sort(([a], [b]) => a - b));

      // A rewrite that fails half way (a name the appender refuses) changes neither.
      const broken = new Map([...names, [64_513, undefined as unknown as string]]);
      await expect(replaceAsNames(connection, broken)).rejects.toThrow();
      expect(await asNamesComment(connection)).toContain(asNamesDigest(names));
      const after = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER FROM ${AS_NAMES_TABLE}`,
      );
      expect(after.getRows()).toEqual([[names.size]]);
    });
  });
});
