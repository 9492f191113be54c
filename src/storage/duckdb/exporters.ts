import type { DuckDBConnection } from "@duckdb/node-api";
import { cloudContextKey, type CloudContext, type FlowBatch } from "../../core/index.ts";
import { EXPORTER_CLOUD_COLUMNS, EXPORTERS_TABLE } from "./schema.ts";

const TWO_POW_32 = 4294967296;

/**
 * Interns exporters (address, observation domain and, for cloud flow logs, the cloud context
 * of the logging interface) into the `exporters` table: flows store the id. A batch holds few
 * distinct exporters and runs of rows from the same datagram or log file, so each row is
 * compared with the previous one first and the map is consulted only on a change.
 */
export interface ExporterRegistry {
  /** The stored id of every row's exporter; inserts new exporters in the open transaction. */
  idsOf(batch: FlowBatch): Promise<Uint32Array>;
  commit(): void;
  forgetUncommitted(): void;
}

function keyOf(words: Uint32Array, base: number, domain: number, cloud: string): string {
  return `${words[base + 3] ?? 0}.${words[base + 2] ?? 0}.${words[base + 1] ?? 0}.${words[base] ?? 0}/${domain}${cloud}`;
}

function cloudKeyOf(context: CloudContext | undefined): string {
  return context === undefined ? "" : `/${cloudContextKey(context)}`;
}

export async function createExporterRegistry(
  connection: DuckDBConnection,
): Promise<ExporterRegistry> {
  const known = new Map<string, number>();
  const reader = await connection.runAndReadAll(
    `SELECT id, address_hi, address_lo, observation_domain, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => name).join(", ")} FROM ${EXPORTERS_TABLE}`,
  );
  let nextId = 1;
  for (const [id, hi, lo, domain, provider, ...cloud] of reader.getRows()) {
    const high = hi as bigint;
    const low = lo as bigint;
    const words = new Uint32Array([
      Number(low & 0xffffffffn),
      Number(low >> 32n),
      Number(high & 0xffffffffn),
      Number(high >> 32n),
    ]);
    const context =
      provider === null || provider === ""
        ? undefined
        : (Object.fromEntries(
            EXPORTER_CLOUD_COLUMNS.map(([, field], index) => [
              field,
              index === 0 ? provider : String(cloud[index - 1] ?? ""),
            ]),
          ) as unknown as CloudContext);
    known.set(keyOf(words, 0, Number(domain), cloudKeyOf(context)), Number(id));
    nextId = Math.max(nextId, Number(id) + 1);
  }
  let committedNextId = nextId;
  let pending: string[] = [];
  let ids = new Uint32Array(0);

  return {
    async idsOf(batch) {
      if (ids.length < batch.length) ids = new Uint32Array(batch.capacity);
      const words = batch.exporter;
      const domains = batch.observationDomain;
      const clouds = batch.cloud;
      // Cloud rows alternate between a few interfaces row by row: their keys are made once
      // per batch, and rows without an exporter address resolve by cloud index alone.
      const cloudKeys = batch.clouds.map(cloudKeyOf);
      const idByCloud = new Map<number, number>();
      let lastId = 0;
      let lastCloud = -1;
      let lastW0 = -1;
      let lastW1 = -1;
      let lastW2 = -1;
      let lastW3 = -1;
      let lastDomain = -1;
      for (let row = 0; row < batch.length; row++) {
        const base = row * 4;
        const w0 = words[base] ?? 0;
        const w1 = words[base + 1] ?? 0;
        const w2 = words[base + 2] ?? 0;
        const w3 = words[base + 3] ?? 0;
        const domain = domains[row] ?? 0;
        const cloud = clouds[row] ?? 0;
        // A cloud row whose context changed from the previous row's: resolved by index.
        if (cloud !== 0 && cloud !== lastCloud && (w0 | w1 | w2 | w3 | domain) === 0) {
          const known = idByCloud.get(cloud);
          if (known !== undefined) {
            ids[row] = known;
            lastId = known;
            lastCloud = cloud;
            lastW0 = 0;
            lastW1 = 0;
            lastW2 = 0;
            lastW3 = 0;
            lastDomain = 0;
            continue;
          }
        }
        if (
          cloud !== lastCloud ||
          w0 !== lastW0 ||
          w1 !== lastW1 ||
          w2 !== lastW2 ||
          w3 !== lastW3 ||
          domain !== lastDomain
        ) {
          const context = cloud === 0 ? undefined : batch.clouds[cloud - 1];
          const key = keyOf(words, base, domain, cloud === 0 ? "" : (cloudKeys[cloud - 1] ?? ""));
          let id = known.get(key);
          if (id === undefined) {
            id = nextId++;
            const cloudValues: Record<string, string> = {};
            for (const [name, field] of EXPORTER_CLOUD_COLUMNS) {
              cloudValues[name] = context?.[field] ?? "";
            }
            await connection.run(
              `INSERT INTO ${EXPORTERS_TABLE} (id, address_hi, address_lo, observation_domain, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => name).join(", ")})
               VALUES ($id::UINTEGER, $hi::UBIGINT, $lo::UBIGINT, $domain::UINTEGER, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => `$${name}`).join(", ")})`,
              {
                id,
                hi: BigInt(w3) * BigInt(TWO_POW_32) + BigInt(w2),
                lo: BigInt(w1) * BigInt(TWO_POW_32) + BigInt(w0),
                domain,
                ...cloudValues,
              },
            );
            known.set(key, id);
            pending.push(key);
          }
          lastId = id;
          lastW0 = w0;
          lastW1 = w1;
          lastW2 = w2;
          lastW3 = w3;
          lastDomain = domain;
          lastCloud = cloud;
          if (cloud !== 0 && (w0 | w1 | w2 | w3 | domain) === 0) idByCloud.set(cloud, id);
        }
        ids[row] = lastId;
      }
      return ids;
    },
    commit() {
      pending = [];
      committedNextId = nextId;
    },
    forgetUncommitted() {
      for (const key of pending) known.delete(key);
      pending = [];
      nextId = committedNextId;
    },
  };
}
