/** One field specifier of a template record (RFC 7011 §3.2, RFC 3954 §5.2). */
export interface TemplateField {
  /** Information Element id (the enterprise bit removed). */
  id: number;
  /** Field length in bytes; 65535 = variable length (RFC 7011 §7). */
  length: number;
  /** Private Enterprise Number, 0 for IANA IEs. */
  enterprise: number;
}

export const TEMPLATE_PROTOCOLS = ["netflow9", "ipfix"] as const;
export type TemplateProtocol = (typeof TEMPLATE_PROTOCOLS)[number];

export const TEMPLATE_KINDS = ["data", "options"] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** A template as the exporter defined it: what the snapshot persists. */
export interface TemplateDefinition {
  kind: TemplateKind;
  /** v9 source id or IPFIX observation domain id. */
  domain: number;
  templateId: number;
  /** Options templates: how many leading fields are scope fields; 0 for data templates. */
  scopeFieldCount: number;
  fields: readonly TemplateField[];
}

/** Equal field lists: a redefinition with the same layout keeps the compiled decoder. */
export function sameFields(a: readonly TemplateField[], b: readonly TemplateField[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    const left = a[index];
    const right = b[index];
    if (
      left === undefined ||
      right === undefined ||
      left.id !== right.id ||
      left.length !== right.length ||
      left.enterprise !== right.enterprise
    ) {
      return false;
    }
  }
  return true;
}
