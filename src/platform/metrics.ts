import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every metric Tollgate exports (`/metrics`, Prometheus text). Names follow
 * `tollgate_<module>_<thing>_<unit|total>`; labels are bounded (protocol, issue code, listener).
 */
export interface Metrics {
  registry: Registry;
  datagramsReceived: Counter<"protocol">;
  datagramBytesReceived: Counter;
  recordsDecoded: Counter<"protocol">;
  decodeIssues: Counter<"protocol" | "code">;
  socketDrops: Gauge<"listener">;
  recordsStored: Counter;
  recordsDropped: Counter<"reason">;
  batchRecords: Histogram;
  storeAppendSeconds: Histogram;
  storeErrors: Counter;
  pendingBatches: Gauge;
  spoolBytes: Gauge;
  spoolBatches: Gauge;
  spooledRecords: Counter;
  drainedRecords: Counter;
  spoolDroppedRecords: Counter<"policy">;
  spoolDroppedBatches: Counter<"policy">;
  spoolQuarantinedFiles: Counter;
  spoolStoreFailures: Counter;
}

export function createMetrics(options: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "tollgate_" });
  const registers = [registry];
  return {
    registry,
    datagramsReceived: new Counter({
      name: "tollgate_collector_datagrams_total",
      help: "Export datagrams received, by detected protocol.",
      labelNames: ["protocol"],
      registers,
    }),
    datagramBytesReceived: new Counter({
      name: "tollgate_collector_datagram_bytes_total",
      help: "Bytes of export datagrams received.",
      registers,
    }),
    recordsDecoded: new Counter({
      name: "tollgate_collector_records_total",
      help: "Flow records decoded, by protocol.",
      labelNames: ["protocol"],
      registers,
    }),
    decodeIssues: new Counter({
      name: "tollgate_collector_decode_issues_total",
      help: "Data problems found while decoding (malformed, truncated, unsupported), by code.",
      labelNames: ["protocol", "code"],
      registers,
    }),
    socketDrops: new Gauge({
      name: "tollgate_collector_socket_drops",
      help: "Datagrams the kernel dropped on a listening socket (receive buffer full), from /proc/net/udp.",
      labelNames: ["listener"],
      registers,
    }),
    recordsStored: new Counter({
      name: "tollgate_store_records_total",
      help: "Flow records acknowledged: committed to the store, or durable in the spool when it is on (then see tollgate_spool_drained_records_total).",
      registers,
    }),
    recordsDropped: new Counter({
      name: "tollgate_pipeline_records_dropped_total",
      help: "Flow records dropped before storage, by reason (queue full while the store was slow).",
      labelNames: ["reason"],
      registers,
    }),
    batchRecords: new Histogram({
      name: "tollgate_store_batch_records",
      help: "Records per batch written to the store.",
      buckets: [1, 10, 100, 1000, 5000, 10_000, 50_000, 100_000, 500_000],
      registers,
    }),
    storeAppendSeconds: new Histogram({
      name: "tollgate_store_append_seconds",
      help: "Latency of a batch append to the store.",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    storeErrors: new Counter({
      name: "tollgate_store_errors_total",
      help: "Failed batch appends (each is retried).",
      registers,
    }),
    pendingBatches: new Gauge({
      name: "tollgate_pipeline_pending_batches",
      help: "Batches waiting for the store.",
      registers,
    }),
    spoolBytes: new Gauge({
      name: "tollgate_spool_bytes",
      help: "Bytes of batch files in the spool (waiting for the store).",
      registers,
    }),
    spoolBatches: new Gauge({
      name: "tollgate_spool_batches",
      help: "Batch files in the spool (waiting for the store).",
      registers,
    }),
    spooledRecords: new Counter({
      name: "tollgate_spool_spooled_records_total",
      help: "Flow records written to the spool because the store was away or the spool not empty.",
      registers,
    }),
    drainedRecords: new Counter({
      name: "tollgate_spool_drained_records_total",
      help: "Spooled flow records committed to the store (or found already committed) and removed from the spool.",
      registers,
    }),
    spoolDroppedRecords: new Counter({
      name: "tollgate_spool_dropped_records_total",
      help: "Flow records dropped because the spool was full, by storage.spool.whenFull policy.",
      labelNames: ["policy"],
      registers,
    }),
    spoolDroppedBatches: new Counter({
      name: "tollgate_spool_dropped_batches_total",
      help: "Batches dropped because the spool was full, by storage.spool.whenFull policy.",
      labelNames: ["policy"],
      registers,
    }),
    spoolQuarantinedFiles: new Counter({
      name: "tollgate_spool_quarantined_files_total",
      help: "Spool files that could not be replayed (damaged, or refused by a working store), moved to quarantine/.",
      registers,
    }),
    spoolStoreFailures: new Counter({
      name: "tollgate_spool_store_failures_total",
      help: "Appends the store refused or failed while the spool was in front of it (each batch is kept and retried).",
      registers,
    }),
  };
}
