/**
 * A small NetFlow v9 / IPFIX encoder for tests and benchmarks: builds header, template, options
 * template and data sets byte by byte, so tests state exactly what goes on the wire.
 */

export interface EncodedField {
  id: number;
  length: number;
  enterprise?: number;
}

/** A value of a data record: an unsigned number of `length` bytes, or raw bytes. */
export type EncodedValue = readonly [length: number, value: number | bigint] | Uint8Array;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

export function uint(length: number, value: number | bigint): Uint8Array {
  const bytes = new Uint8Array(length);
  let rest = BigInt(value);
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

/** Variable-length encoding (RFC 7011 §7): one length byte, or 255 and two. */
export function varlen(bytes: Uint8Array, forceLong = false): Uint8Array {
  if (bytes.byteLength < 255 && !forceLong) return concat([uint(1, bytes.byteLength), bytes]);
  return concat([uint(1, 255), uint(2, bytes.byteLength), bytes]);
}

export function record(values: readonly EncodedValue[]): Uint8Array {
  return concat(
    values.map((value) => (value instanceof Uint8Array ? value : uint(value[0], value[1]))),
  );
}

function set(id: number, body: Uint8Array, padTo = 1): Uint8Array {
  const padding = (padTo - ((body.byteLength + 4) % padTo)) % padTo;
  return concat([
    uint(2, id),
    uint(2, body.byteLength + 4 + padding),
    body,
    new Uint8Array(padding),
  ]);
}

function fieldSpecifiers(fields: readonly EncodedField[]): Uint8Array {
  return concat(
    fields.map((field) =>
      field.enterprise === undefined || field.enterprise === 0
        ? concat([uint(2, field.id), uint(2, field.length)])
        : concat([uint(2, field.id | 0x8000), uint(2, field.length), uint(4, field.enterprise)]),
    ),
  );
}

export function dataSet(templateId: number, records: readonly Uint8Array[], padTo = 1): Uint8Array {
  return set(templateId, concat(records), padTo);
}

// ---- IPFIX (RFC 7011) ----

export function ipfixTemplateSet(
  templates: readonly { id: number; fields: readonly EncodedField[] }[],
): Uint8Array {
  return set(
    2,
    concat(
      templates.map((template) =>
        concat([
          uint(2, template.id),
          uint(2, template.fields.length),
          fieldSpecifiers(template.fields),
        ]),
      ),
    ),
  );
}

export function ipfixOptionsTemplateSet(
  templates: readonly {
    id: number;
    scope: readonly EncodedField[];
    fields: readonly EncodedField[];
  }[],
): Uint8Array {
  return set(
    3,
    concat(
      templates.map((template) =>
        concat([
          uint(2, template.id),
          uint(2, template.scope.length + template.fields.length),
          uint(2, template.scope.length),
          fieldSpecifiers([...template.scope, ...template.fields]),
        ]),
      ),
    ),
  );
}

/** Withdrawal records (field count 0, RFC 7011 §8.1) in a template (2) or options (3) set. */
export function ipfixWithdrawalSet(setId: 2 | 3, templateIds: readonly number[]): Uint8Array {
  return set(setId, concat(templateIds.map((id) => concat([uint(2, id), uint(2, 0)]))));
}

export function encodeIpfix(
  header: { exportSecs: number; sequence: number; domain: number },
  sets: readonly Uint8Array[],
): Uint8Array {
  const body = concat(sets);
  return concat([
    uint(2, 10),
    uint(2, body.byteLength + 16),
    uint(4, header.exportSecs),
    uint(4, header.sequence),
    uint(4, header.domain),
    body,
  ]);
}

// ---- NetFlow v9 (RFC 3954) ----

export function v9TemplateFlowset(
  templates: readonly { id: number; fields: readonly EncodedField[] }[],
): Uint8Array {
  return set(
    0,
    concat(
      templates.map((template) =>
        concat([
          uint(2, template.id),
          uint(2, template.fields.length),
          fieldSpecifiers(template.fields),
        ]),
      ),
    ),
  );
}

export function v9OptionsTemplateFlowset(
  templates: readonly {
    id: number;
    scope: readonly EncodedField[];
    fields: readonly EncodedField[];
  }[],
): Uint8Array {
  return set(
    1,
    concat(
      templates.map((template) =>
        concat([
          uint(2, template.id),
          uint(2, template.scope.length * 4),
          uint(2, template.fields.length * 4),
          fieldSpecifiers([...template.scope, ...template.fields]),
        ]),
      ),
    ),
    4,
  );
}

export function encodeNetflow9(
  header: { sysUptimeMs: number; unixSecs: number; sequence: number; sourceId: number },
  flowsets: readonly Uint8Array[],
): Uint8Array {
  return concat([
    uint(2, 9),
    uint(2, flowsets.length),
    uint(4, header.sysUptimeMs),
    uint(4, header.unixSecs),
    uint(4, header.sequence),
    uint(4, header.sourceId),
    ...flowsets,
  ]);
}
