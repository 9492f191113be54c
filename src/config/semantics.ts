import { parseHostPort } from "./listen.ts";
import type { TollgateConfig } from "./schema.ts";
import { validateNetworks } from "./networks.ts";

/** Checks what a schema cannot: addresses that parse, prefixes without host bits, duplicates. */
export function validateSemantics(config: TollgateConfig): string[] {
  const problems: string[] = [];
  const checkListen = (key: string, text: string): void => {
    const parsed = parseHostPort(text);
    if (typeof parsed === "string") problems.push(`${key}: ${parsed}`);
  };
  checkListen("api.listen", config.api.listen);
  config.sources.netflow.listen.forEach((text, index) => {
    checkListen(`sources.netflow.listen[${index}]`, text);
  });
  problems.push(...validateNetworks(config.inventory.networks ?? []));
  return problems;
}
