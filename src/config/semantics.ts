import { canonicalIp } from "../core/index.ts";
import { parseHostPort } from "./listen.ts";
import type { TollgateConfig } from "./schema.ts";
import { ownInventoryDeclarations, validateInventory } from "./inventory.ts";

/** Checks what a schema cannot: addresses that parse, prefixes without host bits, duplicates. */
export function validateSemantics(config: TollgateConfig): string[] {
  const problems: string[] = [];
  const checkListen = (key: string, text: string): void => {
    const parsed = parseHostPort(text);
    if (typeof parsed === "string") problems.push(`${key}: ${parsed}`);
  };
  checkListen("api.listen", config.api.listen);
  const lists: [string, readonly string[]][] = [
    ["sources.netflow.listen", config.sources.netflow.listen],
    ["sources.ipfix.listen", config.sources.ipfix.listen],
    ["sources.ipfix.tcpListen", config.sources.ipfix.tcpListen],
    ["sources.sflow.listen", config.sources.sflow.listen],
  ];
  for (const [key, list] of lists) {
    list.forEach((text, index) => {
      checkListen(`${key}[${index}]`, text);
    });
  }
  for (const address of Object.keys(config.sources.samplingRates)) {
    if (canonicalIp(address) === undefined) {
      problems.push(
        `sources.samplingRates: "${address}" is not an IP address; key each rate by the exporter's address, e.g. "192.0.2.1": 1000`,
      );
    }
  }
  problems.push(...validateInventory(ownInventoryDeclarations(config)));
  for (const exporter of config.inventory.exporters) {
    const rate = exporter.samplingRate;
    const address = canonicalIp(exporter.address);
    const configured = address === undefined ? undefined : samplingRateOf(config, address);
    if (rate !== undefined && configured !== undefined && configured !== rate) {
      problems.push(
        `inventory.exporters: ${exporter.address} has samplingRate ${rate} but sources.samplingRates gives ${configured}: keep one`,
      );
    }
  }
  return problems;
}

function samplingRateOf(config: TollgateConfig, address: string): number | undefined {
  for (const [key, rate] of Object.entries(config.sources.samplingRates)) {
    if (canonicalIp(key) === address) return rate;
  }
  return undefined;
}
