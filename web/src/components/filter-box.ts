import type { FilterErrorDetails } from "../api-types.ts";
import { h, replaceChildren } from "../dom.ts";

/**
 * The filter expression box every page shares (docs/33-filter-language.md). Enter applies what
 * is typed; the server is the only parser, so a mistake comes back as a 400 whose details give
 * the column and length, which the box marks in place (a highlight drawn behind the input's
 * transparent background) and again in a copy under it, above the server's message. The typed
 * text is never replaced by a refresh while the user is editing it.
 */
export interface FilterBox {
  readonly element: HTMLElement;
  /**
   * The route's filter. A new one (applied, drilled into, back button) replaces the text; the
   * same one again (a live refresh) leaves whatever the user is typing alone.
   */
  show(filter: string): void;
  showError(details: FilterErrorDetails, message: string): void;
  clearError(): void;
}

/** Shown in the help list; clicking one puts it in the box (the user still presses Enter). */
export const FILTER_EXAMPLES = [
  "direction = egress and proto = tcp",
  "dst.country not in (US, CA) and bytes > 10MB",
  "src.addr << 10.0.0.0/8 and dst.port in (443, 8443)",
  "locality = cross-region or locality = internet",
  'src.tag.team = payments and not dst.net = ""',
] as const;

const HELP_ID = "filter-help";
const ERROR_ID = "filter-error";

export function createFilterBox(options: { onApply(filter: string): void }): FilterBox {
  const input = h("input", {
    id: "filter-input",
    class: "filter-input",
    type: "text",
    name: "filter",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: false,
    placeholder: `Filter, then Enter: ${FILTER_EXAMPLES[0]}`,
    "aria-describedby": HELP_ID,
    "data-testid": "filter-input",
  });
  // Same font, padding and border as the input, so a <mark> inside lines up with the text.
  const backdrop = h("div", { class: "filter-backdrop", "aria-hidden": "true" });
  const apply = h("button", { type: "submit", class: "button" }, "Apply");
  const clear = h(
    "button",
    { type: "button", class: "button", "data-testid": "filter-clear", title: "Remove the filter" },
    "Clear",
  );
  const examples = h(
    "ul",
    { class: "filter-examples" },
    ...FILTER_EXAMPLES.map((example) =>
      h(
        "li",
        {},
        h("button", { type: "button", class: "example", "data-example": example }, example),
      ),
    ),
  );
  const help = h(
    "details",
    { class: "filter-help", id: HELP_ID },
    h("summary", {}, "Examples"),
    examples,
    h(
      "p",
      {},
      "Operators ",
      h("code", {}, "= != < > in (…) << ~"),
      ", combined with ",
      h("code", {}, "and or not ( )"),
      ". Clicking a row of a top table adds ",
      h("code", {}, "dimension = key"),
      ". See docs/33-filter-language.md.",
    ),
  );
  const error = h("div", {
    id: ERROR_ID,
    class: "filter-error",
    role: "alert",
    "data-testid": "filter-error",
    hidden: true,
  });
  const element = h(
    "form",
    { class: "filter-bar", role: "search", "aria-label": "Filter", "data-testid": "filter-form" },
    h("label", { for: "filter-input", class: "filter-label" }, "Filter"),
    h("div", { class: "filter-field" }, backdrop, input),
    apply,
    clear,
    help,
    error,
  );

  /** The filter last shown from the route. */
  let shown = "";
  /** The refused text and the span to mark in it, while the box still holds that text. */
  let refused: FilterErrorDetails | undefined;

  const drawBackdrop = () => {
    if (refused === undefined || input.value !== refused.filter) {
      backdrop.replaceChildren();
      return;
    }
    replaceChildren(backdrop, ...marked(refused, "filter-mark-inline"));
    backdrop.scrollLeft = input.scrollLeft;
  };

  element.addEventListener("submit", (event) => {
    event.preventDefault();
    options.onApply(input.value.trim());
  });
  clear.addEventListener("click", () => {
    input.value = "";
    options.onApply("");
  });
  examples.addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    const example = target.closest<HTMLElement>("[data-example]")?.dataset["example"];
    if (example === undefined) return;
    input.value = example;
    drawBackdrop();
    input.focus();
  });
  input.addEventListener("input", drawBackdrop);
  input.addEventListener("scroll", () => {
    backdrop.scrollLeft = input.scrollLeft;
  });

  return {
    element,
    show(filter) {
      if (filter !== shown) input.value = filter;
      shown = filter;
      element.dataset["filter"] = filter;
      drawBackdrop();
    },
    showError(details, message) {
      const isNew = refused?.filter !== details.filter || refused.column !== details.column;
      refused = details;
      element.dataset["state"] = "error";
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `${ERROR_ID} ${HELP_ID}`);
      replaceChildren(
        error,
        h("p", { class: "filter-message", "data-testid": "filter-message" }, message),
        h(
          "pre",
          { class: "filter-echo", "data-testid": "filter-echo" },
          ...marked(details, "filter-mark"),
        ),
        details.expected.length > 0
          ? h("p", { class: "filter-expected" }, `Expected: ${details.expected.join(", ")}`)
          : null,
      );
      error.hidden = false;
      drawBackdrop();
      // Select the mistake once, when it is first reported and the user is in the box; a live
      // refresh reporting it again must not move their cursor.
      if (isNew && document.activeElement === input && input.value === details.filter) {
        const start = Math.min(details.column - 1, input.value.length);
        input.setSelectionRange(start, Math.min(start + details.length, input.value.length));
      }
    },
    clearError() {
      refused = undefined;
      element.dataset["state"] = "ok";
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", HELP_ID);
      error.hidden = true;
      error.replaceChildren();
      drawBackdrop();
    },
  };
}

/**
 * The refused filter as text nodes with the mistake in a <mark>: columns are 1-based UTF-16
 * code units, as JavaScript indexes strings. A mistake at the very end ("found the end of the
 * filter") marks one blank past the text.
 */
function marked(details: FilterErrorDetails, className: string): Node[] {
  const text = details.filter;
  const start = Math.max(0, Math.min(details.column - 1, text.length));
  const end = Math.max(start, Math.min(start + Math.max(1, details.length), text.length));
  const wrong = start === text.length ? " " : text.slice(start, end);
  return [
    document.createTextNode(text.slice(0, start)),
    h("mark", { class: className, "data-testid": className }, wrong),
    document.createTextNode(text.slice(end)),
  ];
}
