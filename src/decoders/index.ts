export { detectFlowProtocol, FLOW_PROTOCOLS } from "./detect.ts";
export type { FlowProtocol } from "./detect.ts";
export { decodeFlowDatagram } from "./decode-datagram.ts";
export type { FlowDatagramContext, FlowDatagramResult } from "./decode-datagram.ts";
export * from "./netflow5/index.ts";
export * from "./pcap/index.ts";
export { createFlowDecoder } from "./flow-decoder.ts";
export type { DatagramSummary, FlowDecoder } from "./flow-decoder.ts";
export type { DatagramContext, DecodeOutput } from "./output.ts";
