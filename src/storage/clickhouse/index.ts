export {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
  type ClickHouseStore,
  type ClickHouseStoreConfig,
  type ClickHouseStoreDeps,
} from "./store.ts";
export { capabilitiesOf, type ServerCapabilities } from "./version.ts";
export {
  FLOW_COLUMN_SPECS,
  flowsTableSql,
  FLOWS_ORDER_BY,
  SCHEMA_VERSION,
  tablesOf,
} from "./schema.ts";
