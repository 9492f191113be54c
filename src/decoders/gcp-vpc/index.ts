export { createGcpVpcDecoder } from "./decode.ts";
export { isVpcFlowsLogName } from "./log-entry.ts";
export { parseRfc3339Ms } from "./rfc3339.ts";
