import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { buildNetworkTable, networksOrDefault, type NetworkTable } from "../inventory/index.ts";

/** The lookup table of the configured networks (or the private-range defaults). */
export function networkTableOf(config: Readonly<TollgateConfig>): NetworkTable {
  const result = buildNetworkTable(networksOrDefault(config.inventory.networks ?? []));
  if (!result.ok) {
    // loadConfig validated the same declarations; reaching this is a bug, but say it well.
    throw new AppError(
      "ERR_CONFIG_INVALID",
      result.errors.map((error) => `${error.path}: ${error.message}`).join("; "),
    );
  }
  return result.table;
}
