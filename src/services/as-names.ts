import type { AddressRegistry } from "../inventory/registry/index.ts";
import type { Component, Logger } from "../platform/index.ts";
import type { FlowStore } from "../storage/index.ts";

/** How long a failed write waits before it is tried again (a ClickHouse server may come later). */
const RETRY_MS = 60_000;

/**
 * Keeps the store's AS names (`FlowStore.putAsNames`) equal to the loaded ASN registry's:
 * `registryLoaded` is called with every inventory snapshot's registry, and a registry not
 * written yet is written once the store is started. Only the newest registry is written: a
 * reload while a write runs queues one write of the newest, and a failed write is retried
 * (the spooling store's backend may be away) until it succeeds or a newer registry replaces it.
 */
export interface AsNamesWriter extends Component {
  registryLoaded(registry: AddressRegistry | undefined): void;
}

export function createAsNamesWriter(deps: { store: FlowStore; logger: Logger }): AsNamesWriter {
  let started = false;
  let wanted: AddressRegistry | undefined;
  let written: AddressRegistry | undefined;
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;

  const write = (): void => {
    // A scheduled retry waits its turn: the write that failed ends by calling write() again.
    if (!started || running !== undefined || retry !== undefined) return;
    if (wanted === undefined || wanted === written) return;
    const registry = wanted;
    const names = registry.asNames();
    running = deps.store
      .putAsNames(names)
      .then(
        () => {
          written = registry;
          deps.logger.info("AS names written to the store", { names: names.size });
        },
        (error: unknown) => {
          deps.logger.warn("AS names not written to the store: retrying", {
            names: names.size,
            retryMs: RETRY_MS,
            error,
          });
          retry = setTimeout(() => {
            retry = undefined;
            write();
          }, RETRY_MS);
          retry.unref();
        },
      )
      .finally(() => {
        running = undefined;
        write();
      });
  };

  return {
    registryLoaded(registry) {
      if (registry === undefined || registry === wanted) return;
      wanted = registry;
      // A newer registry is written now, not when the retry of an older one comes due.
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      write();
    },
    start() {
      started = true;
      write();
      // Resolves once the registry loaded by now (if any) is written: `import` waits for the
      // names before its first flow; a later registry is written when it comes.
      return running ?? Promise.resolve();
    },
    async stop() {
      started = false;
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      await running;
    },
  };
}
