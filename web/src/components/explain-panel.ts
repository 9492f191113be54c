import { api, isAbort } from "../api-client.ts";
import type {
  AddressExplanation,
  ExplainResponse,
  FlowExplanation,
  InterfaceExplanation,
} from "../api-types.ts";
import { DIRECTION_LABELS } from "../direction-style.ts";
import { h, replaceChildren } from "../dom.ts";
import { formatCountry } from "../format.ts";

/**
 * `/api/v1/explain` as a side panel: what the inventory makes of an address (its network with
 * prefix and file, tags and where each comes from, ASN, country, cloud range) or of a flow
 * between two (direction and locality, each with the rule that decided it). It sits beside the
 * page rather than in a table row, so a live refresh redrawing the table leaves it open.
 */
export interface ExplainPanel {
  readonly element: HTMLElement;
  open(addresses: readonly [string] | readonly [string, string]): void;
  close(): void;
}

export function createExplainPanel(
  options: { onToggle?: (open: boolean) => void } = {},
): ExplainPanel {
  const title = h("h2", { id: "explain-title" }, "Explain");
  const closeButton = h(
    "button",
    { type: "button", class: "button", "data-testid": "explain-close", "aria-label": "Close" },
    "Close",
  );
  const body = h("div", { class: "explain-body" });
  const element = h(
    "aside",
    {
      class: "explain-panel",
      role: "dialog",
      "aria-labelledby": "explain-title",
      "data-testid": "explain-panel",
      hidden: true,
    },
    h("header", { class: "explain-header" }, title, closeButton),
    body,
  );
  let inFlight: AbortController | undefined;
  let opener: HTMLElement | undefined;

  const close = () => {
    inFlight?.abort();
    inFlight = undefined;
    element.hidden = true;
    element.dataset["state"] = "closed";
    options.onToggle?.(false);
    // Back to the button that opened it, for keyboard users.
    opener?.focus();
    opener = undefined;
  };
  closeButton.addEventListener("click", close);
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });

  return {
    element,
    open(addresses) {
      inFlight?.abort();
      const controller = new AbortController();
      inFlight = controller;
      opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
      title.textContent =
        addresses.length === 1 ? addresses[0] : `${addresses[0]} → ${addresses[1]}`;
      element.dataset["address"] = addresses.join(" ");
      element.dataset["state"] = "loading";
      replaceChildren(body, h("p", { class: "panel-note" }, "Asking the inventory…"));
      element.hidden = false;
      options.onToggle?.(true);
      closeButton.focus();
      api.explain(addresses, controller.signal).then(
        (response) => {
          if (inFlight !== controller) return;
          replaceChildren(body, ...render(response));
          element.dataset["state"] = "ready";
        },
        (error: unknown) => {
          if (isAbort(error) || inFlight !== controller) return;
          const message = error instanceof Error ? error.message : String(error);
          replaceChildren(body, h("p", { class: "explain-error" }, message));
          element.dataset["state"] = "error";
        },
      );
    },
    close,
  };
}

function render(response: ExplainResponse): HTMLElement[] {
  switch (response.kind) {
    case "address":
      return renderAddress(response.address);
    case "flow":
      return renderFlow(response.flow);
  }
}

/** A definition list from label/value pairs; empty values are left out. */
function facts(...pairs: [string, string | Node | undefined][]): HTMLElement {
  const list = h("dl", { class: "facts" });
  for (const [label, value] of pairs) {
    if (value === undefined || value === "") continue;
    list.append(h("dt", {}, label), h("dd", {}, value));
  }
  return list;
}

function section(heading: string, testId: string, ...content: (Node | null)[]): HTMLElement {
  return h(
    "section",
    { class: "explain-section", "data-testid": testId },
    h("h3", {}, heading),
    ...content,
  );
}

function origin(text: string): string {
  return text === "" ? "built-in default" : text;
}

function renderAddress(address: AddressExplanation): HTMLElement[] {
  const sections: HTMLElement[] = [];
  const network = address.network;
  sections.push(
    h(
      "p",
      { class: "explain-summary" },
      h(
        "span",
        { class: `badge ${address.ours ? "badge-ours" : ""}` },
        address.ours ? "ours" : "outside",
      ),
      " ",
      h("span", { class: "badge" }, address.global ? "public" : "not public"),
      " ",
      network === undefined ? "In no declared network." : `In ${network.name} (${network.prefix}).`,
    ),
  );
  if (network !== undefined) {
    const attributes = Object.entries(network.attributes);
    sections.push(
      section(
        "Network",
        "explain-network",
        facts(
          ["Name", h("strong", {}, network.name)],
          ["Prefix", h("code", {}, network.prefix)],
          ["Declared in", origin(network.origin)],
          [
            "Inside",
            network.enclosing.length === 0
              ? undefined
              : network.enclosing.map((outer) => `${outer.name} (${outer.prefix})`).join(", "),
          ],
          ...attributes.map(([key, value]): [string, string] => [key, value]),
        ),
        network.tags.length === 0
          ? null
          : h(
              "table",
              { class: "explain-tags", "data-testid": "explain-tags" },
              h("caption", { class: "visually-hidden" }, "Tags"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", { scope: "col" }, "Tag"),
                  h("th", { scope: "col" }, "Value"),
                  h("th", { scope: "col" }, "From"),
                ),
              ),
              h(
                "tbody",
                {},
                ...network.tags.map((tag) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, h("code", {}, tag.key)),
                    h("td", {}, tag.value),
                    h(
                      "td",
                      {},
                      tag.from === network.name ? "this network" : `inherited from ${tag.from}`,
                    ),
                  ),
                ),
              ),
            ),
      ),
    );
  }
  if (address.asn !== undefined) {
    sections.push(
      section(
        "Autonomous system",
        "explain-asn",
        facts(
          [
            "AS",
            `AS${String(address.asn.number)}${address.asn.name === "" ? "" : ` ${address.asn.name}`}`,
          ],
          ["Range", address.asn.range],
          ["Source", address.asn.source],
        ),
      ),
    );
  }
  if (address.country !== undefined) {
    sections.push(
      section(
        "Country",
        "explain-country",
        facts(
          ["Country", formatCountry(address.country.code)],
          ["Range", address.country.range],
          ["Source", address.country.source],
        ),
      ),
    );
  }
  if (address.cloud !== undefined) {
    const cloud = address.cloud;
    sections.push(
      section(
        "Cloud range",
        "explain-cloud",
        facts(
          ["Provider", cloud.provider],
          ["Service", cloud.service],
          ["Region", cloud.region],
          ["Kind", cloud.kind],
          ["Prefix", h("code", {}, cloud.prefix)],
          ["Source", cloud.source],
        ),
      ),
    );
  }
  if (
    network === undefined &&
    address.asn === undefined &&
    address.country === undefined &&
    address.cloud === undefined
  ) {
    sections.push(
      h(
        "p",
        { class: "panel-note" },
        "Nothing else is known about it: no registry range or cloud range covers it.",
      ),
    );
  }
  return sections;
}

function interfaceText(found: InterfaceExplanation): string {
  const name = found.name === "" ? "" : ` (${found.name})`;
  const extra = [found.connectivity, found.provider].filter((text) => text !== "").join(", ");
  return `${String(found.ifIndex)}${name}: ${found.boundary}${extra === "" ? "" : `, ${extra}`}${found.declared ? "" : " (not declared)"}`;
}

function renderFlow(flow: FlowExplanation): HTMLElement[] {
  const exporter = flow.exporter;
  return [
    section(
      "Direction",
      "explain-direction",
      facts(
        ["Direction", h("strong", {}, DIRECTION_LABELS[flow.direction])],
        [
          "Decided by",
          flow.directionSource === "interface" ? "exporter interfaces" : "declared networks",
        ],
        ["Why", flow.directionReason],
      ),
    ),
    section(
      "Locality",
      "explain-locality",
      facts(
        ["Locality", h("strong", {}, flow.locality)],
        [
          "Far end",
          flow.farEnd === "src" ? `source ${flow.src.address}` : `destination ${flow.dst.address}`,
        ],
        ["Why", flow.localityReason],
      ),
    ),
    ...(exporter === undefined
      ? []
      : [
          section(
            "Exporter",
            "explain-exporter",
            facts(
              [
                "Exporter",
                exporter.name === "" ? exporter.address : `${exporter.name} (${exporter.address})`,
              ],
              ["Declared in", origin(exporter.origin)],
              ["Input", exporter.input === undefined ? undefined : interfaceText(exporter.input)],
              [
                "Output",
                exporter.output === undefined ? undefined : interfaceText(exporter.output),
              ],
            ),
          ),
        ]),
    h("h3", { class: "explain-end" }, `Source ${flow.src.address}`),
    ...renderAddress(flow.src),
    h("h3", { class: "explain-end" }, `Destination ${flow.dst.address}`),
    ...renderAddress(flow.dst),
  ];
}
