/**
 * What a source says of a range, interned: the ASN source's (asn, name) pairs and the country
 * source's codes, each numbered so that ranges carry a small integer.
 */
import { countryTextToCode } from "./entry.ts";

export interface AsnValue {
  readonly asn: number;
  readonly name: string;
}

export class AsnValues {
  readonly list: AsnValue[] = [];
  /** Value ids by ASN: almost every ASN has one name, so this is mostly one-element arrays. */
  private readonly byAsn = new Map<number, number[]>();

  intern(asn: number, name: string): number {
    const ids = this.byAsn.get(asn);
    if (ids !== undefined) {
      for (const id of ids) if (this.list[id]?.name === name) return id;
    }
    const id = this.list.length;
    this.list.push({ asn, name });
    if (ids === undefined) this.byAsn.set(asn, [id]);
    else ids.push(id);
    return id;
  }
}

/** Country values are their 16-bit code, so no table is needed: `countryCodeToText` reverses it. */
export function countryValue(text: string): number {
  return countryTextToCode(text);
}
