/**
 * What the registry says about an address: origin AS and country, as one frozen object shared by
 * every address range that says the same, so a lookup returns it without allocating.
 */

/** ASN, AS name and country of an address. Frozen and interned: compare with `===`. */
export interface RegistryEntry {
  /** Origin AS number; 0 when the ASN source does not cover the address. */
  readonly asn: number;
  /** AS organisation name as the source spells it; "" when unknown. */
  readonly asName: string;
  /** ISO 3166-1 alpha-2 code, upper case (`US`); "" when unknown. */
  readonly country: string;
  /** `country` as `(c0 << 8) | c1` of its two ASCII letters, 0 when unknown: a USMALLINT per flow. */
  readonly countryCode: number;
}

/** `"US"` → 0x5553; 0 for anything that is not two ASCII letters (case is folded to upper). */
export function countryTextToCode(text: string): number {
  if (text.length !== 2) return 0;
  const first = upperLetter(text.charCodeAt(0));
  const second = upperLetter(text.charCodeAt(1));
  return first === 0 || second === 0 ? 0 : (first << 8) | second;
}

/** 0x5553 → `"US"`; "" for 0 or a value that is not two upper-case ASCII letters. */
export function countryCodeToText(code: number): string {
  const first = code >>> 8;
  const second = code & 0xff;
  if (code >>> 16 !== 0 || !isUpper(first) || !isUpper(second)) return "";
  return String.fromCharCode(first, second);
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

function upperLetter(code: number): number {
  if (isUpper(code)) return code;
  if (code >= 97 && code <= 122) return code - 32;
  return 0;
}

/**
 * Interns entries: one frozen object per distinct (asn, asName, country). Index 0 is reserved for
 * "no entry" so that tables can store entry indexes in typed arrays with 0 meaning a gap.
 */
export class EntryInterner {
  readonly entries: (RegistryEntry | undefined)[] = [undefined];
  private readonly byKey = new Map<string, number>();

  /** The index of the entry; 0 when neither an ASN nor a country is known. */
  intern(asn: number, asName: string, country: string): number {
    if (asn === 0 && asName === "" && country === "") return 0;
    const key = `${asn}\u0000${country}\u0000${asName}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const index = this.entries.length;
    this.entries.push(
      Object.freeze({ asn, asName, country, countryCode: countryTextToCode(country) }),
    );
    this.byKey.set(key, index);
    return index;
  }
}
