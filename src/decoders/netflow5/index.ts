export { decodeNetflow5, NETFLOW5_ISSUE_CODES } from "./decode.ts";
export type { Netflow5Context, Netflow5IssueCode, Netflow5Result } from "./decode.ts";
export { encodeNetflow5 } from "./encode.ts";
export type { Netflow5EncodeHeader } from "./encode.ts";
export type { Netflow5Header } from "./header.ts";
export { NETFLOW5_HEADER_BYTES, NETFLOW5_MAX_RECORDS, NETFLOW5_RECORD_BYTES } from "./layout.ts";
