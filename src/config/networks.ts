import { buildNetworkTable, type NetworkDeclaration } from "../inventory/index.ts";

/** Problems in `inventory.networks` (bad CIDR, host bits set, duplicates), as config errors. */
export function validateNetworks(networks: readonly NetworkDeclaration[]): string[] {
  if (networks.length === 0) return [];
  const result = buildNetworkTable(networks, "inventory.networks");
  return result.ok ? [] : result.errors.map((error) => `${error.path}: ${error.message}`);
}
