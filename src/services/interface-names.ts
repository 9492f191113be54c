import type { LearntInterface } from "../decoders/index.ts";
import type { Inventory } from "../inventory/index.ts";

/**
 * Gives an inventory snapshot the interface names and descriptions exporters sent in options
 * data (IPFIX / NetFlow v9 interface tables, IEs 82 and 83), so boundary interfaces declared
 * by name or description (`/^xe-0\/0\/0/`) match. The one copy of what was learnt is the
 * decoder's template state: bounded per exporter, persisted with the templates, so it survives
 * a restart; an inventory snapshot is rebuilt on every hot reload and only borrows it.
 *
 * Exporters not declared in the inventory are skipped: without boundaries names decide nothing.
 * Domains are merged per exporter address: an ifIndex names one interface of the router
 * whichever line card (v9 source id, IPFIX observation domain) reports it.
 */
export function teachInterfaces(inventory: Inventory, learnt: readonly LearntInterface[]): void {
  for (const entry of learnt) {
    inventory.exporters
      .get(entry.exporterAddr)
      ?.learnInterface(entry.ifIndex, entry.name, entry.description);
  }
}
