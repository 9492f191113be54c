import type { DecodeIssue } from "../../core/index.ts";
import { pushIssue } from "../template/index.ts";
import { IPFIX_HEADER_BYTES, IPFIX_VERSION } from "./decode.ts";

export interface IpfixStreamFramerOptions {
  /** Largest message accepted; the header length field allows 65535 (RFC 7011 §3.1). */
  maxMessageBytes?: number;
}

export interface IpfixStreamFramer {
  /**
   * Takes the next bytes of the TCP stream; returns the messages they complete (copies, safe to
   * keep) and, once the stream is unusable, a `bad-stream` issue: the caller closes the
   * connection (RFC 7011 §10.4.1: framing cannot be recovered on a byte stream).
   */
  push(chunk: Uint8Array): { messages: Uint8Array[]; issues: DecodeIssue[] };
  /** Bytes waiting for the rest of their message. */
  readonly pendingBytes: number;
}

/**
 * Reassembles IPFIX messages from a TCP byte stream (RFC 7011 §10.4): every message starts with
 * its version (10) and total length, so the length field frames the stream. A wrong version or
 * a length shorter than a header or longer than `maxMessageBytes` means the stream lost framing.
 */
export function createIpfixStreamFramer(options: IpfixStreamFramerOptions = {}): IpfixStreamFramer {
  const maxMessageBytes = Math.min(options.maxMessageBytes ?? 65535, 65535);
  let buffer = new Uint8Array(0);
  let broken = false;
  return {
    get pendingBytes() {
      return buffer.byteLength;
    },
    push(chunk) {
      const messages: Uint8Array[] = [];
      const issues: DecodeIssue[] = [];
      if (broken) {
        pushIssue(issues, "bad-stream", "stream already lost its framing");
        return { messages, issues };
      }
      const joined = new Uint8Array(buffer.byteLength + chunk.byteLength);
      joined.set(buffer, 0);
      joined.set(chunk, buffer.byteLength);
      let offset = 0;
      while (joined.byteLength - offset >= 4) {
        const version = ((joined[offset] ?? 0) << 8) | (joined[offset + 1] ?? 0);
        const length = ((joined[offset + 2] ?? 0) << 8) | (joined[offset + 3] ?? 0);
        if (version !== IPFIX_VERSION || length < IPFIX_HEADER_BYTES || length > maxMessageBytes) {
          broken = true;
          pushIssue(
            issues,
            "bad-stream",
            `version ${version}, length ${length} at stream offset +${offset}`,
          );
          buffer = new Uint8Array(0);
          return { messages, issues };
        }
        if (joined.byteLength - offset < length) break;
        messages.push(joined.slice(offset, offset + length));
        offset += length;
      }
      buffer = joined.slice(offset);
      return { messages, issues };
    },
  };
}
