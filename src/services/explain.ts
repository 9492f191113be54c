import path from "node:path";
import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import {
  explainAddress,
  explainFlow,
  type AddressExplanation,
  type ExplainSources,
  type FlowExplanation,
  type FlowQuestion,
} from "../inventory/index.ts";
import { silentLogger, type Logger } from "../platform/index.ts";
import { createInventoryService, type InventoryService } from "./inventory.ts";

/** The explain sources of a running inventory service (the server's, or one made for the CLI). */
export function explainSourcesOf(service: InventoryService): ExplainSources {
  const inventory = service.current();
  return {
    networks: inventory.networks,
    exporters: inventory.exporters,
    registry: service.registry(),
    cloudRanges: service.cloudRanges()?.table,
  };
}

export type Explanation =
  { kind: "address"; address: AddressExplanation } | { kind: "flow"; flow: FlowExplanation };

/** Answers an explain question; ERR_USAGE for text that is not an address. */
export function explain(
  sources: ExplainSources,
  addresses: readonly string[],
  question: Omit<FlowQuestion, "src" | "dst"> = {},
): Explanation {
  const [first, second] = addresses;
  const bad = addresses.find((text) => explainAddress(sources, text) === undefined);
  if (first === undefined || bad !== undefined) {
    throw new AppError(
      "ERR_USAGE",
      `"${bad ?? ""}" is not an IP address: give one address (what is it?) or two (a flow from the first to the second)`,
    );
  }
  if (second === undefined) {
    return { kind: "address", address: explainAddress(sources, first) as AddressExplanation };
  }
  return {
    kind: "flow",
    flow: explainFlow(sources, { src: first, dst: second, ...question }) as FlowExplanation,
  };
}

/** `tollgate explain` without a server: loads the inventory, registry and ranges itself. */
export async function runExplain(
  config: Readonly<TollgateConfig>,
  addresses: readonly string[],
  question: Omit<FlowQuestion, "src" | "dst">,
  logger: Logger = silentLogger,
): Promise<Explanation> {
  const service = createInventoryService(config, {
    dataDir: path.resolve(config.dataDir),
    logger,
  });
  try {
    await service.ready;
    return explain(explainSourcesOf(service), addresses, question);
  } finally {
    service.stop();
  }
}
