export { decodeSflow5, SFLOW_ISSUE_CODES } from "./decode.ts";
export type {
  SflowDatagramTrace,
  SflowDecodeSummary,
  SflowIssueCode,
  SflowSampleTrace,
  SflowTrace,
} from "./decode.ts";
export { createSflowState } from "./state.ts";
export type { SflowAgentStats, SflowState, SflowStateOptions } from "./state.ts";
