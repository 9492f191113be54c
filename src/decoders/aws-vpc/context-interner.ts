import type { CloudContext } from "../../core/index.ts";
import { bytesText } from "./bytes.ts";

/** Recent values compared byte for byte before a string is made: a file has a few ENIs. */
const RECENT_VALUES = 16;
/** Bound on the distinct values and contexts remembered (a hostile file cannot grow them). */
const REMEMBERED_MAX = 65_536;

/**
 * Turns the bytes of one context field (account-id, interface-id…) into a string, making a
 * string only when the bytes differ from every recent value, and then the same string object
 * for equal text (so contexts compare by identity).
 */
export class ByteInterner {
  private readonly bytes: Uint8Array[] = [];
  private readonly texts: string[] = [];
  private lastHit = 0;
  private nextSlot = 0;
  private readonly known = new Map<string, string>();

  intern(buffer: Uint8Array, start: number, end: number): string {
    const length = end - start;
    const count = this.texts.length;
    for (let probe = 0; probe < count; probe++) {
      let index = this.lastHit + probe;
      if (index >= count) index -= count;
      const candidate = this.bytes[index];
      if (candidate?.length !== length) continue;
      let same = true;
      // Backwards: IDs of one kind share their prefix ("eni-0", "subnet-0") and differ late.
      for (let offset = length - 1; offset >= 0; offset--) {
        if (candidate[offset] !== buffer[start + offset]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.lastHit = index;
        return this.texts[index] ?? "";
      }
    }
    return this.remember(buffer.slice(start, end), bytesText(buffer, start, end));
  }

  private remember(bytes: Uint8Array, fresh: string): string {
    if (this.known.size >= REMEMBERED_MAX) this.known.clear();
    let text = this.known.get(fresh);
    if (text === undefined) {
      text = fresh;
      this.known.set(text, text);
    }
    const slot = this.texts.length < RECENT_VALUES ? this.texts.length : this.nextSlot;
    this.bytes[slot] = bytes;
    this.texts[slot] = text;
    this.nextSlot = (slot + 1) % RECENT_VALUES;
    this.lastHit = slot;
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
    const slot = count < RECENT_VALUES ? count : this.nextSlot;
    recent[slot] = context;
    this.nextSlot = (slot + 1) % RECENT_VALUES;
    this.lastHit = slot;
    return context;
  }
}
