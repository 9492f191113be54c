export {
  describeFlowStoreContract,
  type ContractCapabilities,
  type ContractStore,
} from "./flow-store-contract.ts";
export { describeExploreContract } from "./explore-contract.ts";
export { CONTRACT_T0_MS, contractBatch, contractFlows } from "./contract-flows.ts";
export { describeRewritableContract, type RewritableContractStore } from "./rewrite-contract.ts";
export {
  describeTieredContract,
  type TieredContractOptions,
  type TieredContractStore,
} from "./tiers-contract.ts";
