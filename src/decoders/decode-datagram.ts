import type { DecodeResult, DecodedFlow } from "../core/index.ts";
import { detectFlowProtocol } from "./detect.ts";
import type { FlowProtocol } from "./detect.ts";
import { decodeNetflow5 } from "./netflow5/index.ts";
import type { Netflow5Context, Netflow5Header } from "./netflow5/index.ts";

/** What the pipeline passes with every datagram. */
export type FlowDatagramContext = Netflow5Context;

/** Records and issues of one datagram, the protocol it was taken for, and v5 headers if any. */
export interface FlowDatagramResult extends DecodeResult<DecodedFlow> {
  protocol: FlowProtocol;
  /** Parsed v5 headers (sequence-gap detection); empty for other protocols. */
  netflow5Headers: readonly Netflow5Header[];
}

const NO_HEADERS: readonly Netflow5Header[] = Object.freeze([]);

/**
 * Decodes one UDP payload of any flow protocol, picked by version field. Protocols without a
 * decoder yet (NetFlow v9, IPFIX, sFlow v5) give no records and one `unsupported-protocol`
 * issue; anything else gives `unknown-protocol`. Never throws.
 */
export function decodeFlowDatagram(
  payload: Uint8Array,
  context: FlowDatagramContext,
): FlowDatagramResult {
  const protocol = detectFlowProtocol(payload);
  switch (protocol) {
    case "netflow5": {
      const result = decodeNetflow5(payload, context);
      return {
        records: result.records,
        issues: result.issues,
        protocol,
        netflow5Headers: result.headers,
      };
    }
    case "netflow9":
    case "ipfix":
    case "sflow5":
      return {
        records: [],
        issues: [{ code: "unsupported-protocol", detail: `${protocol} has no decoder yet` }],
        protocol,
        netflow5Headers: NO_HEADERS,
      };
    case "unknown":
      return {
        records: [],
        issues: [
          {
            code: "unknown-protocol",
            detail: `${payload.byteLength} bytes, first bytes ${hexPrefix(payload)}`,
          },
        ],
        protocol,
        netflow5Headers: NO_HEADERS,
      };
  }
}

function hexPrefix(payload: Uint8Array): string {
  let text = "";
  const end = Math.min(payload.byteLength, 8);
  for (let index = 0; index < end; index++) {
    text += (payload[index] ?? 0).toString(16).padStart(2, "0");
  }
  return text === "" ? "(empty)" : text;
}
