/** Clouds whose flow logs Tollgate reads. */
export const CLOUD_PROVIDERS = ["aws", "gcp", "azure"] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

/**
 * Where a cloud flow log record was observed: the interface that logged it and what holds it.
 * Every field is the provider's own identifier as the log writes it, "" when the log does not
 * say. Terms map per provider:
 *
 * | field     | AWS                    | GCP                      | Azure                          |
 * |-----------|------------------------|--------------------------|--------------------------------|
 * | account   | account-id             | project id               | subscription id                |
 * | region    | region                 | region                   | region (when the log has it)   |
 * | zone      | az-id                  | zone                     |                                |
 * | vpc       | vpc-id                 | VPC network name         | VNet / NSG resource id         |
 * | subnet    | subnet-id              | subnetwork name          | subnet                         |
 * | instance  | instance-id            | VM name                  | VM / target resource           |
 * | interface | interface-id (ENI)     | (none)                   | NIC MAC address                |
 *
 * The context is a property of the observation point, like an exporter's address for NetFlow:
 * the store keeps it once per distinct context, not per flow.
 */
export interface CloudContext {
  provider: CloudProvider;
  account: string;
  region: string;
  zone: string;
  vpc: string;
  subnet: string;
  instance: string;
  interface: string;
}

/** A stable text key of a context (the same context always gives the same key). */
export function cloudContextKey(context: Readonly<CloudContext>): string {
  return JSON.stringify([
    context.provider,
    context.account,
    context.region,
    context.zone,
    context.vpc,
    context.subnet,
    context.instance,
    context.interface,
  ]);
}

/**
 * What the cloud itself did with the flow, as its log states it (AWS ACCEPT/REJECT, Azure
 * A/D): an observed fact, kept beside Tollgate's own policy verdict. Index 0 = not stated.
 */
export const OBSERVED_ACTIONS = ["", "accept", "reject"] as const;
export type ObservedAction = "accept" | "reject";
export const OBSERVED_ACTION_NONE = 0;
export const OBSERVED_ACTION_ACCEPT = 1;
export const OBSERVED_ACTION_REJECT = 2;
