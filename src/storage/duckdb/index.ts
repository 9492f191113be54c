export {
  createDuckDbStore,
  defaultDuckDbStoreConfig,
  type DuckDbStore,
  type DuckDbStoreConfig,
  type DuckDbStoreDeps,
} from "./store.ts";
// For bench/duckdb-append.ts, which measures the two append paths side by side.
export { appenderColumnTypes, writeChunks, writeRows } from "./columns.ts";
export { FLOWS_TABLE, MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
