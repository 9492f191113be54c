export {
  createDuckDbStore,
  defaultDuckDbStoreConfig,
  type DuckDbStore,
  type DuckDbStoreConfig,
  type DuckDbStoreDeps,
} from "./store.ts";
export { appenderColumnTypes, enumTranslations, writeBatch } from "./columns.ts";
export { FLOWS_TABLE, MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
export { createDuckDbWorkerStore } from "./worker-store.ts";
