import type { CloudContext } from "../../core/index.ts";
import { bytesText, scanned, SPACE } from "./bytes.ts";

/** Open-addressing table size (a power of two) and the fill at which it starts over. */
const TABLE_SIZE = 256;
const TABLE_FILL_MAX = 192;
/** Bound on the distinct contexts remembered (a hostile file cannot grow them). */
const REMEMBERED_MAX = 65_536;
/** Recent contexts probed by identity before a key is built. */
const RECENT_CONTEXTS = 16;

/**
 * Turns the bytes of one context field (account-id, interface-id…) into a string without
 * making one per line: the field is hashed while its end is found, and a table of the values
 * seen gives the string made the first time (so equal values are one string object and
 * contexts compare by identity). A file has a few ENIs; a table that fills up starts over.
 */
export class ByteInterner {
  private readonly hashes = new Int32Array(TABLE_SIZE);
  private readonly bytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(
    TABLE_SIZE,
  ).fill(undefined);
  private readonly texts: string[] = new Array<string>(TABLE_SIZE).fill("");
  private filled = 0;

  /** The string of the field starting at `start` (up to a space or `end`); sets `scanned.end`. */
  intern(buffer: Uint8Array, start: number, end: number): string {
    let hash = 0;
    let at = start;
    for (; at < end; at++) {
      const code = buffer[at] ?? 0;
      if (code === SPACE) break;
      hash = (Math.imul(hash, 31) + code) | 0;
    }
    scanned.end = at;
    const length = at - start;
    let slot = hash & (TABLE_SIZE - 1);
    for (;;) {
      const candidate = this.bytes[slot];
      if (candidate === undefined) break;
      if (this.hashes[slot] === hash && candidate.length === length) {
        let same = true;
        for (let offset = 0; offset < length; offset++) {
          if (candidate[offset] !== buffer[start + offset]) {
            same = false;
            break;
          }
        }
        if (same) return this.texts[slot] ?? "";
      }
      slot = (slot + 1) & (TABLE_SIZE - 1);
    }
    if (this.filled >= TABLE_FILL_MAX) {
      this.bytes.fill(undefined);
      this.filled = 0;
      slot = hash & (TABLE_SIZE - 1);
    }
    const text = bytesText(buffer, start, at);
    this.hashes[slot] = hash;
    this.bytes[slot] = buffer.slice(start, at);
    this.texts[slot] = text;
    this.filled++;
    return text;
  }
}

/**
 * One CloudContext object per distinct (account, region, zone, vpc, subnet, instance,
 * interface), so `FlowBatch.internCloud` hits its identity map. The strings come from
 * ByteInterner, so the last context usually matches by identity without building a key.
 */
export class ContextTable {
  /** Recent contexts, probed by string identity before any key is built. */
  private readonly recent: CloudContext[] = [];
  private lastHit = 0;
  private nextSlot = 0;
  private readonly byKey = new Map<string, CloudContext>();

  get(
    account: string,
    region: string,
    zone: string,
    vpc: string,
    subnet: string,
    instance: string,
    iface: string,
  ): CloudContext {
    const recent = this.recent;
    const count = recent.length;
    for (let probe = 0; probe < count; probe++) {
      let index = this.lastHit + probe;
      if (index >= count) index -= count;
      const known = recent[index] as CloudContext;
      if (
        known.interface === iface &&
        known.account === account &&
        known.instance === instance &&
        known.subnet === subnet &&
        known.vpc === vpc &&
        known.zone === zone &&
        known.region === region
      ) {
        this.lastHit = index;
        return known;
      }
    }
    const key = `${account}\u0000${region}\u0000${zone}\u0000${vpc}\u0000${subnet}\u0000${instance}\u0000${iface}`;
    let context = this.byKey.get(key);
    if (context === undefined) {
      if (this.byKey.size >= REMEMBERED_MAX) this.byKey.clear();
      context = { provider: "aws", account, region, zone, vpc, subnet, instance, interface: iface };
      this.byKey.set(key, context);
    }
    const slot = count < RECENT_CONTEXTS ? count : this.nextSlot;
    recent[slot] = context;
    this.nextSlot = (slot + 1) % RECENT_CONTEXTS;
    this.lastHit = slot;
    return context;
  }
}
