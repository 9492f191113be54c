import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { withAppender } from "./appender.ts";

const opened: { instance: DuckDBInstance; connection: DuckDBConnection }[] = [];
afterEach(() => {
  for (const { instance, connection } of opened.splice(0)) {
    connection.closeSync();
    instance.closeSync();
  }
});

async function database(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  opened.push({ instance, connection });
  await connection.run("CREATE TABLE t (n UINTEGER NOT NULL, s VARCHAR)");
  await connection.run("CREATE TEMP TABLE stage (n UINTEGER NOT NULL)");
  return connection;
}

async function rows(connection: DuckDBConnection, table: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(`SELECT * FROM ${table} ORDER BY 1`)).getRows();
}

describe("withAppender", () => {
  it("writes what fill appends, the last rows flushed by the close", async () => {
    const connection = await database();
    await withAppender(connection, "t", (appender) => {
      for (let n = 1; n <= 3; n++) {
        appender.appendUInteger(n);
        appender.appendVarchar(`row ${n}`);
        appender.endRow();
      }
    });
    expect(await rows(connection, "t")).toEqual([
      [1, "row 1"],
      [2, "row 2"],
      [3, "row 3"],
    ]);
  });

  it("writes to a table of another catalog when told which", async () => {
    const connection = await database();
    await withAppender(connection, { table: "stage", schema: "main", catalog: "temp" }, (a) => {
      a.appendUInteger(7);
      a.endRow();
    });
    expect(await rows(connection, "stage")).toEqual([[7]]);
  });

  it("drops the rows it buffered when fill throws, and passes fill's error on", async () => {
    const connection = await database();
    const failure = new Error("conversion failed at row 2");
    const thrown = await withAppender(connection, "t", (appender) => {
      appender.appendUInteger(1);
      appender.appendVarchar("buffered, never flushed");
      appender.endRow();
      throw failure;
    }).catch((error: unknown) => error);
    expect(thrown).toBe(failure);
    expect(await rows(connection, "t")).toEqual([]);
    // The appender was closed: the table takes a new one at once.
    await withAppender(connection, "t", (appender) => {
      appender.appendUInteger(2);
      appender.appendVarchar("second");
      appender.endRow();
    });
    expect(await rows(connection, "t")).toEqual([[2, "second"]]);
  });

  it("reports the flush's error when the close finds a bad row, and writes none of them", async () => {
    const connection = await database();
    await connection.run("BEGIN TRANSACTION");
    const thrown = await withAppender(connection, "t", (appender) => {
      appender.appendUInteger(1);
      appender.appendVarchar("fine");
      appender.endRow();
      appender.appendNull(); // n is NOT NULL: the close's flush refuses the chunk
      appender.appendVarchar("bad");
      appender.endRow();
    }).catch((error: unknown) => error);
    await connection.run("ROLLBACK");
    expect(thrown).toBeInstanceOf(Error);
    expect(String(thrown)).toMatch(/NOT NULL|null/i);
    expect(await rows(connection, "t")).toEqual([]);
  });
});
