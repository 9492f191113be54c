import { AWS_VPC_FIELDS, awsVpcField } from "./fields.ts";

/**
 * Parses a flow-log format as a user writes it in `sources.awsVpc.format`: either AWS's
 * `LogFormat` syntax (`${version} ${account-id} ${interface-id} …`, what `create-flow-logs
 * --log-format` takes and `describe-flow-logs` prints) or the plain space-separated names of an
 * S3 file's header line. Unknown names are errors that name the field and suggest the nearest
 * known one: a typo here would otherwise shift every column of every record.
 */
export function parseAwsLogFormat(text: string): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  const seen = new Set<string>();
  // `${name}`, a bare name, or anything else (a stray `$`, `{`, `}`): one token each.
  const token = /\$\{([^{}\s]*)\}|([^\s${}]+)|(\S)/g;
  for (const match of text.matchAll(token)) {
    const stray = match[3];
    if (stray !== undefined) {
      return { error: `unexpected "${stray}" in flow-log format at column ${match.index + 1}` };
    }
    const name = match[1] ?? match[2] ?? "";
    if (name === "") return { error: `empty field "\${}" in flow-log format` };
    if (awsVpcField(name) === undefined) {
      const nearest = nearestField(name);
      return {
        error:
          `unknown flow-log field "${name}"` +
          (nearest === undefined ? "" : `; did you mean "${nearest}"?`),
      };
    }
    if (seen.has(name)) return { error: `flow-log field "${name}" appears twice` };
    seen.add(name);
    fields.push(name);
  }
  if (fields.length === 0) return { error: "flow-log format names no field" };
  return { fields };
}

/** The known field closest to `name` by edit distance, when close enough to be a typo. */
export function nearestField(name: string): string | undefined {
  const wanted = name.toLowerCase().replaceAll("_", "-");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const field of AWS_VPC_FIELDS) {
    const distance = editDistance(wanted, field.name);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = field.name;
    }
  }
  // More than half the name rewritten is not a typo, it is another word.
  return bestDistance <= Math.max(2, Math.ceil(wanted.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
