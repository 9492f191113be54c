export { decodeIpfix, IPFIX_HEADER_BYTES, IPFIX_VERSION } from "./decode.ts";
export { createIpfixStreamFramer } from "./stream-framer.ts";
export type { IpfixStreamFramer, IpfixStreamFramerOptions } from "./stream-framer.ts";
