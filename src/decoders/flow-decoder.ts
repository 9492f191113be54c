import type { DecodeIssue } from "../core/index.ts";
import { detectFlowProtocol, type FlowProtocol } from "./detect.ts";
import { decodeNetflow5Into } from "./netflow5/decode.ts";
import type { DatagramContext, DecodeOutput } from "./output.ts";

/** What one datagram gave: its protocol and how many flows it added to the batch. */
export interface DatagramSummary {
  protocol: FlowProtocol;
  flows: number;
}

/**
 * Decodes datagrams of every flow protocol, picked by version field (never by port: real
 * captures carry NetFlow on sFlow's port and the reverse), keeping the state template
 * protocols need between datagrams. One per collector: template state is per exporter inside.
 */
export interface FlowDecoder {
  decode(payload: Uint8Array, context: DatagramContext, out: DecodeOutput): DatagramSummary;
}

export function createFlowDecoder(): FlowDecoder {
  return {
    decode(payload, context, out) {
      const protocol = detectFlowProtocol(payload);
      const before = out.flows.length;
      switch (protocol) {
        case "netflow5":
          decodeNetflow5Into(payload, context, out.flows, out.issues);
          break;
        case "netflow9":
        case "ipfix":
        case "sflow5":
          out.issues.push({ code: "unsupported-protocol", detail: `${protocol} has no decoder yet` });
          break;
        case "unknown":
          out.issues.push(unknownProtocol(payload));
          break;
      }
      return { protocol, flows: out.flows.length - before };
    },
  };
}

function unknownProtocol(payload: Uint8Array): DecodeIssue {
  let text = "";
  const end = Math.min(payload.byteLength, 8);
  for (let index = 0; index < end; index++) {
    text += (payload[index] ?? 0).toString(16).padStart(2, "0");
  }
  return {
    code: "unknown-protocol",
    detail: `${payload.byteLength} bytes, first bytes ${text === "" ? "(empty)" : text}`,
  };
}
