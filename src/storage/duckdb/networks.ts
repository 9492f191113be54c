import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { DuckDBMapValue } from "@duckdb/node-api";
import type { Tags } from "../../core/index.ts";
import type { NetworkRef } from "../store.ts";
import { NETWORK_ATTRIBUTE_COLUMNS, NETWORKS_TABLE } from "./schema.ts";

/**
 * Interns declared networks into the `networks` table: flows store a network's id, the table
 * its name and tags. A network is identified by its name and tags together, so when a
 * configuration change retags a network, flows stored before keep the tags they had.
 *
 * The batch's network list is usually the same array object for every batch (the pipeline's
 * classifier owns it), so its translation is cached by identity.
 */
export interface NetworkRegistry {
  /** Stored id for each ref (index i → id of refs[i]); inserts the unknown ones in the open transaction. */
  ids(refs: readonly NetworkRef[]): Promise<Uint32Array>;
  /** The transaction committed: the ids it inserted are final. */
  commit(): void;
  /** The transaction rolled back: forget the ids it inserted. */
  forgetUncommitted(): void;
}

/** Everything that makes a stored network: two refs with the same key share an id. */
function networkKey(
  name: string,
  tags: Tags,
  kind: string,
  service: string,
  attributes: readonly string[],
  connectivity: string,
): string {
  const entries = Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([name, entries, kind, service, attributes, connectivity]);
}

function attributesOf(ref: NetworkRef): string[] {
  return NETWORK_ATTRIBUTE_COLUMNS.map((column) => ref.attributes?.[column] ?? "");
}

function tagsOf(value: DuckDBValue): Tags {
  if (!(value instanceof DuckDBMapValue)) return {};
  const tags: Record<string, string> = {};
  for (const entry of value.entries) tags[String(entry.key)] = String(entry.value);
  return tags;
}

export async function createNetworkRegistry(
  connection: DuckDBConnection,
): Promise<NetworkRegistry> {
  const known = new Map<string, number>();
  const reader = await connection.runAndReadAll(
    `SELECT id, name, tags, kind, service, connectivity, ${NETWORK_ATTRIBUTE_COLUMNS.join(", ")} FROM ${NETWORKS_TABLE}`,
  );
  let nextId = 1;
  for (const [id, name, tags, kind, service, connectivity, ...attributes] of reader.getRows()) {
    const numericId = Number(id);
    known.set(
      networkKey(
        String(name),
        tagsOf(tags ?? null),
        String(kind ?? "inventory"),
        String(service ?? ""),
        attributes.map((value) => String(value ?? "")),
        String(connectivity ?? ""),
      ),
      numericId,
    );
    nextId = Math.max(nextId, numericId + 1);
  }
  let pending: string[] = [];
  let committedNextId = nextId;
  let cached: { refs: readonly NetworkRef[]; ids: Uint32Array } | undefined;

  return {
    async ids(refs) {
      if (cached?.refs === refs) return cached.ids;
      const ids = new Uint32Array(refs.length);
      for (let index = 0; index < refs.length; index++) {
        const ref = refs[index] as NetworkRef;
        const kind = ref.kind ?? "inventory";
        const service = ref.service ?? "";
        const attributes = attributesOf(ref);
        const connectivity = ref.connectivity ?? "";
        const key = networkKey(ref.name, ref.tags, kind, service, attributes, connectivity);
        let id = known.get(key);
        if (id === undefined) {
          id = nextId++;
          const entries = Object.entries(ref.tags);
          const params: Record<string, DuckDBValue> = {
            id,
            name: ref.name,
            kind,
            service,
            connectivity,
          };
          attributes.forEach((value, index) => {
            params[`a${index}`] = value;
          });
          entries.forEach(([tagKey, tagValue], entry) => {
            params[`k${entry}`] = tagKey;
            params[`v${entry}`] = tagValue;
          });
          const keysSql = entries.map((_, entry) => `$k${entry}::VARCHAR`).join(", ");
          const valuesSql = entries.map((_, entry) => `$v${entry}::VARCHAR`).join(", ");
          const tagsSql = entries.length === 0 ? "NULL" : `MAP([${keysSql}], [${valuesSql}])`;
          await connection.run(
            `INSERT INTO ${NETWORKS_TABLE} (id, name, tags, kind, service, connectivity, ${NETWORK_ATTRIBUTE_COLUMNS.join(", ")})
             VALUES ($id::UINTEGER, $name::VARCHAR, ${tagsSql}, $kind::VARCHAR, $service::VARCHAR, $connectivity::VARCHAR, ${attributes.map((_, index) => `$a${index}::VARCHAR`).join(", ")})`,
            params,
          );
          known.set(key, id);
          pending.push(key);
        }
        ids[index] = id;
      }
      cached = { refs, ids };
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
      cached = undefined;
    },
  };
}
