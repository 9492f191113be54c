import { bytesText } from "./bytes.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8");
const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice: (this: Uint8Array, start: number, end: number) => string;
  }
).latin1Slice;

/**
 * Builds one row's `extra` JSON object in a reused byte buffer and makes one string of it at
 * the end. Concatenating key and value strings per field made about twenty short-lived
 * strings per row on 42-field lines (ECS ARNs), and garbage collection took 40 % of the
 * decoder's time; this makes one.
 */
export class JsonObjectBytes {
  private bytes = new Uint8Array(1024);
  private length = 0;
  private ascii = true;

  reset(): void {
    this.length = 0;
    this.ascii = true;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  private room(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + more) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Starts a member: `{` or `,`, then `key` given as its JSON text with the colon, ASCII. */
  key(keyJson: Uint8Array): void {
    this.room(keyJson.length + 1);
    const first = this.length === 0;
    this.bytes[this.length++] = first ? 123 : 44;
    this.bytes.set(keyJson, this.length);
    this.length += keyJson.length;
  }

  /** `[start, end)` of `buffer` as a JSON string. */
  string(buffer: Uint8Array, start: number, end: number): void {
    let plain = true;
    for (let at = start; at < end; at++) {
      const code = buffer[at] ?? 0;
      // Printable ASCII other than `"` and `\` needs no escape.
      if (code < 0x20 || code > 0x7e || code === 34 || code === 92) {
        plain = false;
        break;
      }
    }
    if (plain) {
      this.room(end - start + 2);
      const bytes = this.bytes;
      let length = this.length;
      bytes[length++] = 34;
      // A copy loop, not set(subarray()): a Buffer's subarray is an object per field.
      for (let at = start; at < end; at++) bytes[length++] = buffer[at] ?? 0;
      bytes[length++] = 34;
      this.length = length;
      return;
    }
    this.text(JSON.stringify(bytesText(buffer, start, end)));
  }

  /** `[start, end)` of `buffer` as it is (a JSON number the caller checked). */
  raw(buffer: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    const bytes = this.bytes;
    let length = this.length;
    for (let at = start; at < end; at++) bytes[length++] = buffer[at] ?? 0;
    this.length = length;
  }

  /** JSON text made elsewhere (escaped strings), UTF-8 encoded here. */
  text(json: string): void {
    this.room(json.length * 3);
    const written = encoder.encodeInto(json, this.bytes.subarray(this.length)).written;
    for (let index = 0; index < json.length; index++) {
      if (json.charCodeAt(index) > 0x7f) {
        this.ascii = false;
        break;
      }
    }
    this.length += written;
  }

  /** The object's JSON text (`{…}`), or undefined when no member was added. */
  finish(): string | undefined {
    if (this.length === 0) return undefined;
    this.room(1);
    this.bytes[this.length++] = 125;
    return this.ascii
      ? latin1Slice.call(this.bytes, 0, this.length)
      : utf8.decode(this.bytes.subarray(0, this.length));
  }
}
