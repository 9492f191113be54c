export * from "./params.ts";
export * from "./range.ts";
export {
  filterErrorDetails,
  FilterError,
  parseFilterExpression,
  printFilter,
  renderFilterCaret,
  type FilterErrorDetails,
  type FilterExpression,
} from "./filter/index.ts";
export * from "./explore/index.ts";
