export { createAzureFlowDecoder } from "./decode.ts";
export type { AzureFlowDecoder } from "./decode.ts";
export { AZURE_TUPLE_FORMATS, createAzureTuple, parseAzureTuple } from "./tuple.ts";
export type { AzureTuple, AzureTupleFormat, AzureTupleProblem } from "./tuple.ts";
export { azurePlaceOf, parseAzureResourceId } from "./resource-id.ts";
export type { AzurePlace, AzureResourceId } from "./resource-id.ts";
