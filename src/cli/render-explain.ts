import type { AddressExplanation, FlowExplanation } from "../inventory/index.ts";

/** `tollgate explain` as text: one block per address, then the flow's decisions. */
export function renderAddressExplanation(explained: AddressExplanation): string[] {
  const lines = [explained.address];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(11)}${text}`);
  const network = explained.network;
  if (network === undefined) {
    row("network", "none declared: not ours");
  } else {
    row(
      "network",
      `${network.name} (matched ${network.prefix}, ${network.origin || "built-in default"})`,
    );
    for (const outer of network.enclosing) {
      row("", `inside ${outer.name} (${outer.prefix}, ${outer.origin || "built-in default"})`);
    }
    const attributes = Object.entries(network.attributes);
    if (attributes.length > 0) {
      row("attributes", attributes.map(([key, value]) => `${key} ${value}`).join(", "));
    }
    if (network.tags.length > 0) {
      row(
        "tags",
        network.tags
          .map(
            (tag) =>
              `${tag.key}=${tag.value}${tag.from === network.name ? "" : ` (from ${tag.from})`}`,
          )
          .join(", "),
      );
    }
  }
  row(
    "ASN",
    explained.asn === undefined
      ? "unknown"
      : `AS${explained.asn.number} ${explained.asn.name}${explained.asn.range === undefined ? "" : ` (range ${explained.asn.range}; ${explained.asn.source})`}`,
  );
  row(
    "country",
    explained.country === undefined
      ? "unknown"
      : `${explained.country.code}${explained.country.range === undefined ? "" : ` (range ${explained.country.range}; ${explained.country.source})`}`,
  );
  if (explained.cloud !== undefined) {
    const cloud = explained.cloud;
    row(
      "cloud",
      `${cloud.provider} ${cloud.service}${cloud.region === "" ? "" : ` ${cloud.region}`} (${cloud.kind}; published prefix ${cloud.prefix}, ${cloud.source} ranges)`,
    );
  }
  row("public", explained.global ? "yes (global unicast)" : "no");
  return lines;
}

export function renderFlowExplanation(explained: FlowExplanation): string[] {
  const lines = [
    ...renderAddressExplanation(explained.src).map((line, index) =>
      index === 0 ? `source ${line}` : line,
    ),
    "",
    ...renderAddressExplanation(explained.dst).map((line, index) =>
      index === 0 ? `destination ${line}` : line,
    ),
    "",
  ];
  const exporter = explained.exporter;
  if (exporter !== undefined) {
    lines.push(
      `exporter    ${exporter.name === "" ? exporter.address : `${exporter.name} (${exporter.address})`}, ${exporter.origin}`,
    );
    for (const [label, side] of [
      ["input", exporter.input],
      ["output", exporter.output],
    ] as const) {
      if (side === undefined) continue;
      lines.push(
        `  ${label.padEnd(10)}ifIndex ${side.ifIndex}${side.name === "" ? "" : ` ${side.name}`}: ${side.boundary}${side.declared ? `${side.connectivity === "" ? "" : `, ${side.connectivity}`}${side.provider === "" ? "" : `, ${side.provider}`} (${side.origin})` : " (not declared)"}`,
      );
    }
  }
  lines.push(
    `direction   ${explained.direction} (from ${explained.directionSource}: ${explained.directionReason})`,
    `locality    ${explained.locality} of the ${explained.farEnd === "src" ? "source" : "destination"} (${explained.localityReason})`,
  );
  return lines;
}
