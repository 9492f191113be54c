export { createAwsVpcDecoder } from "./decode.ts";
export type { AwsVpcDecoder, AwsVpcDecoderOptions } from "./decode.ts";
export { AWS_VPC_DEFAULT_FORMAT, AWS_VPC_FIELDS, awsVpcField } from "./fields.ts";
export type { AwsVpcField, AwsVpcFieldName } from "./fields.ts";
export { parseAwsLogFormat } from "./log-format.ts";
export { readCloudWatchEnvelope } from "./cloudwatch.ts";
export type { CloudWatchEnvelope, CloudWatchEvent } from "./cloudwatch.ts";
