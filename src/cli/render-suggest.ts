import type { Suggestions } from "../inventory/suggest/index.ts";

/** `tollgate inventory suggest`: the proposals as a table, and as an inventory file. */

const number = (value: number) => value.toLocaleString("en-US");

function bytesText(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? String(value) : value.toFixed(1)} ${units[unit] ?? "B"}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

export function renderSuggestTable(suggestions: Suggestions): string[] {
  const lines: string[] = [];
  if (suggestions.networks.length === 0) {
    lines.push("no networks to suggest: no cloud flow-log records with undeclared addresses");
  } else {
    const rows = suggestions.networks.map((network) => [
      network.name,
      network.cidrs.join(", "),
      [
        network.attributes.provider,
        network.attributes.account,
        network.attributes.region,
        network.attributes.zone,
      ]
        .filter((part) => part !== "")
        .join(" "),
      number(network.flows),
      bytesText(network.bytes),
      number(network.addresses),
      `${iso(network.firstMs)} – ${iso(network.lastMs)}`,
    ]);
    const header = [
      "network",
      "cidrs",
      "provider account region zone",
      "flows",
      "bytes",
      "addresses",
      "seen",
    ];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
    );
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd();
    lines.push(line(header), ...rows.map(line));
  }
  for (const skipped of suggestions.skipped) {
    lines.push(`skipped ${skipped.name} (${skipped.cidrs.join(", ")}): ${skipped.reason}`);
  }
  if (suggestions.unresolved > 0) {
    lines.push(
      `${number(suggestions.unresolved)} records without a direction had two private ends, neither known as the interface's: they suggest nothing`,
    );
  }
  if (suggestions.bothGlobal > 0) {
    lines.push(
      `${number(suggestions.bothGlobal)} records without a direction had two public ends: they suggest nothing`,
    );
  }
  return lines;
}

/** YAML text of a value: JSON strings are valid double-quoted YAML scalars. */
const quoted = (text: string) => JSON.stringify(text);

/**
 * An inventory file (`inventory.include` reads it, see InventoryFileSchema): a `networks:` list
 * with a comment per entry giving the traffic seen.
 */
export function renderSuggestYaml(
  suggestions: Suggestions,
  meta: { generatedMs: number; rangeText: string },
): string {
  const lines = [
    `# Networks suggested by \`tollgate inventory suggest\` on ${iso(meta.generatedMs)}`,
    `# from cloud flow-log records ${meta.rangeText}. Review, rename and tag them, then include`,
    "# this file from tollgate.yaml (inventory.include).",
  ];
  if (suggestions.networks.length === 0) {
    lines.push("networks: []");
    return `${lines.join("\n")}\n`;
  }
  lines.push("networks:");
  for (const network of suggestions.networks) {
    lines.push(
      `  # ${number(network.flows)} flows, ${bytesText(network.bytes)}, ${number(network.addresses)} addresses, ${number(network.interfaces)} interfaces; seen ${iso(network.firstMs)} to ${iso(network.lastMs)}`,
      `  - name: ${quoted(network.name)}`,
      `    cidrs: [${network.cidrs.map(quoted).join(", ")}]`,
    );
    for (const key of ["provider", "account", "region", "zone", "vpc", "subnet"] as const) {
      const value = network.attributes[key];
      if (value !== "") lines.push(`    ${key}: ${quoted(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
