export { detectFlowProtocol, FLOW_PROTOCOLS } from "./detect.ts";
export type { FlowProtocol } from "./detect.ts";
export * from "./netflow5/index.ts";
export * from "./pcap/index.ts";
export { createFlowDecoder } from "./flow-decoder.ts";
export type {
  DatagramSummary,
  FlowDecoder,
  FlowDecoderOptions,
  FlowDecoderStats,
  Netflow5ExporterStats,
} from "./flow-decoder.ts";
export type { TemplateSnapshot, ExporterTemplateStats, LearntInterface } from "./template/index.ts";
export type { SflowAgentStats } from "./sflow/index.ts";
export type { DatagramContext, DecodeOutput } from "./output.ts";
export { createIpfixStreamFramer } from "./ipfix/index.ts";
export * from "./flow-log/index.ts";
export { createAwsVpcDecoder, parseAwsLogFormat } from "./aws-vpc/index.ts";
export { createGcpVpcDecoder } from "./gcp-vpc/index.ts";
export { createAzureFlowDecoder } from "./azure-flow/index.ts";
