export { createCaptureReader, CAPTURE_FORMATS, CAPTURE_ISSUE_CODES } from "./reader.ts";
export type { CaptureFormat, CaptureIssueCode, CaptureReader, CaptureSummary } from "./reader.ts";
export { CAPTURE_COUNTER_NAMES } from "./counters.ts";
export type { CaptureCounterName, CaptureCounters } from "./counters.ts";
export { LINK_TYPE } from "./frame.ts";
export type { UdpDatagram } from "./udp-datagram.ts";
