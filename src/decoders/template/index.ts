export { compileTemplate } from "./compile.ts";
export type { CompiledLayout, OptionsDecoder, RecordDecoder } from "./compile.ts";
export { TEMPLATE_KINDS, TEMPLATE_PROTOCOLS, sameFields } from "./definition.ts";
export type {
  TemplateDefinition,
  TemplateField,
  TemplateKind,
  TemplateProtocol,
} from "./definition.ts";
export { IE, REVERSE_PEN, VARIABLE_LENGTH, enterpriseKey } from "./ie.ts";
export { TEMPLATE_ISSUE_CODES, pushIssue } from "./issues.ts";
export type { TemplateIssueCode } from "./issues.ts";
export type { OptionsValues, RecordContext } from "./record-context.ts";
export { advanceSequence } from "./sequence.ts";
export type { SequenceTrack } from "./sequence.ts";
export {
  TemplateState,
  createTemplateState,
  defaultTemplateStateOptions,
  templateProblem,
} from "./state.ts";
export type {
  ExporterTemplateStats,
  InterfaceSnapshot,
  LearntInterface,
  MessageFacts,
  SamplingSnapshot,
  TemplateDecodeSummary,
  TemplateSnapshot,
  TemplateStateOptions,
} from "./state.ts";
export { appendReverseRow } from "./biflow.ts";
export { fieldValue } from "./field-value.ts";
export { reportTrailing } from "./trailing.ts";
export { emptySummary, openMessage } from "./message.ts";
