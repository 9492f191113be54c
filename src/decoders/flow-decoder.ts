import type { DecodeIssue } from "../core/index.ts";
import { detectFlowProtocol, type FlowProtocol } from "./detect.ts";
import { decodeIpfix } from "./ipfix/index.ts";
import { decodeNetflow5Into } from "./netflow5/decode.ts";
import { decodeNetflow9 } from "./netflow9/index.ts";
import type { DatagramContext, DecodeOutput } from "./output.ts";
import { createSflowState, decodeSflow5 } from "./sflow/index.ts";
import type { SflowAgentStats, SflowState } from "./sflow/index.ts";
import {
  createTemplateState,
  type ExporterTemplateStats,
  type TemplateState,
  type TemplateStateOptions,
} from "./template/index.ts";

/** What one datagram gave: its protocol, the flows it added and the options records it held. */
export interface DatagramSummary {
  protocol: FlowProtocol;
  flows: number;
  /** NetFlow v9 / IPFIX options data records (sampling, interface names…): not flows. */
  optionsRecords: number;
  /** sFlow counter samples (they go to `out.counters`). */
  counterSamples: number;
}

/** Per-exporter NetFlow v5 counters (template protocols and sFlow keep their own). */
export interface Netflow5ExporterStats {
  exporterAddr: string;
  packets: number;
  flowRecords: number;
  /** Flow records lost in transit, inferred from the header flow_sequence (counts flows). */
  sequenceGaps: number;
}

export interface FlowDecoderStats {
  netflow5: Netflow5ExporterStats[];
  templates: ExporterTemplateStats[];
  sflow: SflowAgentStats[];
}

/**
 * Decodes datagrams of every flow protocol, picked by version field (never by port: real
 * captures carry NetFlow on sFlow's port and the reverse), keeping the state the template
 * protocols and sFlow need between datagrams. One per collector: state is per exporter inside,
 * and bounded.
 */
export interface FlowDecoder {
  decode(payload: Uint8Array, context: DatagramContext, out: DecodeOutput): DatagramSummary;
  /** Template and sampling state of NetFlow v9 / IPFIX exporters (persisted across restarts). */
  readonly templates: TemplateState;
  readonly sflow: SflowState;
  stats(): FlowDecoderStats;
}

export interface FlowDecoderOptions {
  templates?: TemplateStateOptions;
}

/** v5 exporters remembered for sequence tracking; beyond this the table starts over. */
const NETFLOW5_EXPORTERS_MAX = 10_000;
/** A jump larger than this is an exporter restart, not loss. */
const NETFLOW5_MAX_GAP = 1_000_000;

export function createFlowDecoder(options: FlowDecoderOptions = {}): FlowDecoder {
  const templates = createTemplateState(options.templates);
  const sflow = createSflowState();
  const netflow5 = new Map<string, Netflow5ExporterStats & { nextSequence: number }>();

  const trackNetflow5 = (
    exporterAddr: string,
    headers: readonly {
      flowSequence: number;
      count: number;
      engineType: number;
      engineId: number;
    }[],
    flows: number,
  ): void => {
    for (const header of headers) {
      // flow_sequence is per engine (RFC-less Cisco format: "sequence counter of total flows seen").
      const key = `${exporterAddr}/${header.engineType}/${header.engineId}`;
      let stats = netflow5.get(key);
      if (stats === undefined) {
        if (netflow5.size >= NETFLOW5_EXPORTERS_MAX) netflow5.clear();
        stats = { exporterAddr, packets: 0, flowRecords: 0, sequenceGaps: 0, nextSequence: -1 };
        netflow5.set(key, stats);
      }
      stats.packets++;
      if (stats.nextSequence >= 0) {
        const gap = (header.flowSequence - stats.nextSequence) >>> 0;
        if (gap > 0 && gap < NETFLOW5_MAX_GAP) stats.sequenceGaps += gap;
      }
      stats.nextSequence = (header.flowSequence + header.count) >>> 0;
    }
    const first = headers[0];
    if (first !== undefined) {
      const stats = netflow5.get(`${exporterAddr}/${first.engineType}/${first.engineId}`);
      if (stats !== undefined) stats.flowRecords += flows;
    }
  };

  return {
    templates,
    sflow,
    decode(payload, context, out) {
      const protocol = detectFlowProtocol(payload);
      const before = out.flows.length;
      let optionsRecords = 0;
      let counterSamples = 0;
      switch (protocol) {
        case "netflow5": {
          const headers = decodeNetflow5Into(payload, context, out.flows, out.issues);
          trackNetflow5(context.exporterAddr, headers, out.flows.length - before);
          break;
        }
        case "netflow9":
          optionsRecords = decodeNetflow9(payload, context, templates, out).optionsRecords;
          break;
        case "ipfix":
          optionsRecords = decodeIpfix(payload, context, templates, out).optionsRecords;
          break;
        case "sflow5":
          counterSamples = decodeSflow5(payload, context, sflow, out).counterSamples;
          break;
        case "unknown":
          out.issues.push(unknownProtocol(payload));
          break;
      }
      return { protocol, flows: out.flows.length - before, optionsRecords, counterSamples };
    },
    stats: () => ({
      netflow5: [...netflow5.values()].map(({ nextSequence: _, ...stats }) => stats),
      templates: templates.exporterStats(),
      sflow: sflow.exporterStats(),
    }),
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
