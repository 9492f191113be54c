import type { StatusResponse } from "../api-types.ts";
import { h } from "../dom.ts";
import { formatRoute } from "../route.ts";
import type { Route } from "../route.ts";

/**
 * Shown instead of charts when there is nothing to draw: either nothing is stored yet (how to
 * get flows in), or the chosen range is empty while older flows exist (offer the whole range),
 * or the filter matches none of the range's flows (offer to remove it).
 */
export function emptyState(
  kind: "store" | "range" | "filter",
  route: Route,
  status: StatusResponse | undefined,
): HTMLElement {
  if (kind === "filter") {
    return h(
      "section",
      { class: "empty-state", "data-testid": "empty-state", "data-empty": "filter" },
      h("h2", {}, "No flows match the filter"),
      h(
        "p",
        {},
        "The range holds flows, but none match ",
        h("code", {}, route.filter),
        ". ",
        h("a", { href: formatRoute({ ...route, filter: "" }) }, "Remove the filter"),
        ".",
      ),
    );
  }
  if (kind === "range") {
    return h(
      "section",
      { class: "empty-state", "data-testid": "empty-state", "data-empty": "range" },
      h("h2", {}, "No flows in this time range"),
      h(
        "p",
        {},
        "Flows are stored, but none ended in the chosen range. ",
        h("a", { href: formatRoute({ ...route, range: "all" }) }, "Show all stored flows"),
        ".",
      ),
    );
  }
  const netflow = status?.listeners.filter((listener) => listener.kind === "netflow") ?? [];
  return h(
    "section",
    { class: "empty-state", "data-testid": "empty-state", "data-empty": "store" },
    h("h2", {}, "No flows yet"),
    h(
      "p",
      {},
      "Run ",
      h("code", {}, "tollgate demo"),
      " to send sample NetFlow to this collector, or point a router or exporter (softflowd, pmacct, fprobe) at it.",
    ),
    netflow.length > 0
      ? h(
          "p",
          { class: "hint" },
          "Listening for NetFlow on ",
          ...netflow.flatMap((listener, index) => [
            index > 0 ? ", " : null,
            h("code", {}, `${listener.protocol} ${listener.address}`),
          ]),
          ". This page refreshes by itself when flows arrive.",
        )
      : h("p", { class: "hint" }, "This page refreshes by itself when flows arrive."),
  );
}
