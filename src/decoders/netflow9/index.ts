export { decodeNetflow9, NETFLOW9_HEADER_BYTES, NETFLOW9_VERSION } from "./decode.ts";
