import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";

/**
 * Turns schema violations into sentences that name the key (as a user writes it:
 * `inventory.networks[0].cidrs`) and say the fix: the closest allowed key for a misspelling,
 * the expected kind and the default for a wrong value.
 */
export function describeSchemaErrors(schema: TSchema, value: unknown): string[] {
  const problems: string[] = [];
  const seenPaths = new Set<string>();
  const errors = [...Value.Errors(schema, value)];
  // A misspelt key shows up twice: as unknown, and as the required key it should have been.
  // Keep only the first, which already suggests the right spelling.
  const suggestedPaths = new Set<string>();
  for (const error of errors) {
    if (error.type !== ValueErrorType.ObjectAdditionalProperties) continue;
    const segments = error.path.split("/");
    const parentSchema = schemaAt(schema, segments.slice(1, -1));
    const allowed = Object.keys(
      (parentSchema?.["properties"] as Record<string, unknown> | undefined) ?? {},
    );
    const suggestion = closest(segments.at(-1) ?? "", allowed);
    if (suggestion !== undefined)
      suggestedPaths.add([...segments.slice(0, -1), suggestion].join("/"));
  }
  for (const error of errors) {
    if (suggestedPaths.has(error.path)) continue;
    if (seenPaths.has(error.path)) continue;
    seenPaths.add(error.path);
    const segments = error.path.split("/").slice(1);
    const key = displayPath(segments);
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default case covers the value-kind errors
    switch (error.type) {
      case ValueErrorType.ObjectAdditionalProperties: {
        const parentSchema = schemaAt(schema, segments.slice(0, -1));
        const allowed = Object.keys(
          (parentSchema?.["properties"] as Record<string, unknown> | undefined) ?? {},
        );
        const unknownKey = segments.at(-1) ?? "";
        const suggestion = closest(unknownKey, allowed);
        const hint = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
        problems.push(`${key}: unknown key${hint} (allowed here: ${allowed.join(", ") || "none"})`);
        break;
      }
      case ValueErrorType.ObjectRequiredProperty: {
        const description = describe(schemaAt(schema, segments));
        problems.push(`${key}: required key is missing: add it${description}`);
        break;
      }
      default: {
        const target = schemaAt(schema, segments);
        const fallback: unknown = target?.["default"];
        const defaultHint = fallback === undefined ? "" : ` (default: ${JSON.stringify(fallback)})`;
        problems.push(
          `${key}: ${error.message.toLowerCase()}, got ${error.value === undefined ? "nothing" : JSON.stringify(error.value)}${defaultHint}${describe(target)}`,
        );
      }
    }
  }
  return problems;
}

/** `["inventory","networks","0","cidrs"]` → `inventory.networks[0].cidrs`. */
export function displayPath(segments: readonly string[]): string {
  let text = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text === "" ? "(top level)" : text;
}

function describe(schema: TSchema | undefined): string {
  const description = schema?.["description"] as unknown;
  return typeof description === "string" ? ` — ${description}` : "";
}

function schemaAt(schema: TSchema, segments: readonly string[]): TSchema | undefined {
  let current: TSchema | undefined = schema;
  for (const segment of segments) {
    if (current === undefined) return undefined;
    const properties = current["properties"] as Record<string, TSchema> | undefined;
    if (properties?.[segment] !== undefined) {
      current = properties[segment];
    } else if (current["items"] !== undefined) {
      current = current["items"] as TSchema;
    } else if (current["patternProperties"] !== undefined) {
      current = Object.values(current["patternProperties"] as Record<string, TSchema>)[0];
    } else {
      return undefined;
    }
  }
  return current;
}

/** The allowed key closest to a misspelt one (edit distance ≤ 1/3 of its length), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
