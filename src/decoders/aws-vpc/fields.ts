/**
 * Every field AWS VPC Flow Logs and Transit Gateway Flow Logs can write, with the log version
 * that introduced it and its Parquet type (what the value is: text or a number).
 *
 * Versions 2–5 are the "Available fields" table of the Amazon VPC User Guide
 * (awsdocs/amazon-vpc-user-guide @ a16ab76ed2, `doc_source/flow-logs.md`; extracted in
 * shared/corpus/vpc-aws/awsdocs-field-versions.json). Later additions, from the same guide's
 * current text: the Transit Gateway flow-log fields arrive with version 6 (the TGW guide's
 * "Transit Gateway Flow Log records"; otel-v6-transit-gateway.log writes version 6), the ECS
 * fields with version 7, `reject-reason` with version 8.
 */
export const AWS_VPC_FIELDS = [
  { name: "version", version: 2, parquetType: "INT_32" },
  { name: "account-id", version: 2, parquetType: "STRING" },
  { name: "interface-id", version: 2, parquetType: "STRING" },
  { name: "srcaddr", version: 2, parquetType: "STRING" },
  { name: "dstaddr", version: 2, parquetType: "STRING" },
  { name: "srcport", version: 2, parquetType: "INT_32" },
  { name: "dstport", version: 2, parquetType: "INT_32" },
  { name: "protocol", version: 2, parquetType: "INT_32" },
  { name: "packets", version: 2, parquetType: "INT_64" },
  { name: "bytes", version: 2, parquetType: "INT_64" },
  { name: "start", version: 2, parquetType: "INT_64" },
  { name: "end", version: 2, parquetType: "INT_64" },
  { name: "action", version: 2, parquetType: "STRING" },
  { name: "log-status", version: 2, parquetType: "STRING" },
  { name: "vpc-id", version: 3, parquetType: "STRING" },
  { name: "subnet-id", version: 3, parquetType: "STRING" },
  { name: "instance-id", version: 3, parquetType: "STRING" },
  { name: "tcp-flags", version: 3, parquetType: "INT_32" },
  { name: "type", version: 3, parquetType: "STRING" },
  { name: "pkt-srcaddr", version: 3, parquetType: "STRING" },
  { name: "pkt-dstaddr", version: 3, parquetType: "STRING" },
  { name: "region", version: 4, parquetType: "STRING" },
  { name: "az-id", version: 4, parquetType: "STRING" },
  { name: "sublocation-type", version: 4, parquetType: "STRING" },
  { name: "sublocation-id", version: 4, parquetType: "STRING" },
  { name: "pkt-src-aws-service", version: 5, parquetType: "STRING" },
  { name: "pkt-dst-aws-service", version: 5, parquetType: "STRING" },
  { name: "flow-direction", version: 5, parquetType: "STRING" },
  { name: "traffic-path", version: 5, parquetType: "INT_32" },
  // Transit Gateway Flow Logs.
  { name: "resource-type", version: 6, parquetType: "STRING" },
  { name: "tgw-id", version: 6, parquetType: "STRING" },
  { name: "tgw-attachment-id", version: 6, parquetType: "STRING" },
  { name: "tgw-src-vpc-account-id", version: 6, parquetType: "STRING" },
  { name: "tgw-dst-vpc-account-id", version: 6, parquetType: "STRING" },
  { name: "tgw-src-vpc-id", version: 6, parquetType: "STRING" },
  { name: "tgw-dst-vpc-id", version: 6, parquetType: "STRING" },
  { name: "tgw-src-subnet-id", version: 6, parquetType: "STRING" },
  { name: "tgw-dst-subnet-id", version: 6, parquetType: "STRING" },
  { name: "tgw-src-eni", version: 6, parquetType: "STRING" },
  { name: "tgw-dst-eni", version: 6, parquetType: "STRING" },
  { name: "tgw-src-az-id", version: 6, parquetType: "STRING" },
  { name: "tgw-dst-az-id", version: 6, parquetType: "STRING" },
  { name: "tgw-pair-attachment-id", version: 6, parquetType: "STRING" },
  { name: "packets-lost-no-route", version: 6, parquetType: "INT_64" },
  { name: "packets-lost-blackhole", version: 6, parquetType: "INT_64" },
  { name: "packets-lost-mtu-exceeded", version: 6, parquetType: "INT_64" },
  { name: "packets-lost-ttl-expired", version: 6, parquetType: "INT_64" },
  // Amazon ECS metadata.
  { name: "ecs-cluster-arn", version: 7, parquetType: "STRING" },
  { name: "ecs-cluster-name", version: 7, parquetType: "STRING" },
  { name: "ecs-container-instance-arn", version: 7, parquetType: "STRING" },
  { name: "ecs-container-instance-id", version: 7, parquetType: "STRING" },
  { name: "ecs-container-id", version: 7, parquetType: "STRING" },
  { name: "ecs-second-container-id", version: 7, parquetType: "STRING" },
  { name: "ecs-service-name", version: 7, parquetType: "STRING" },
  { name: "ecs-task-definition-arn", version: 7, parquetType: "STRING" },
  { name: "ecs-task-arn", version: 7, parquetType: "STRING" },
  { name: "ecs-task-id", version: 7, parquetType: "STRING" },
  { name: "reject-reason", version: 8, parquetType: "STRING" },
] as const;

export type AwsVpcField = (typeof AWS_VPC_FIELDS)[number];
export type AwsVpcFieldName = AwsVpcField["name"];

/** The default format (version 2): every version 2 field in the table's order. */
export const AWS_VPC_DEFAULT_FORMAT: readonly AwsVpcFieldName[] = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
];

const BY_NAME = new Map<string, AwsVpcField>(AWS_VPC_FIELDS.map((field) => [field.name, field]));

/** The known field called `name`, or undefined. */
export function awsVpcField(name: string): AwsVpcField | undefined {
  return BY_NAME.get(name);
}
