/**
 * A CloudWatch Logs subscription envelope, the JSON a subscription filter delivers to Kinesis,
 * Firehose or Lambda (gzip and base64 removed by the importer):
 *
 *   {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"…","logStream":"…",
 *    "subscriptionFilters":["…"],"logEvents":[{"id":"…","timestamp":1418530010000,
 *    "message":"2 123456789010 eni-… ACCEPT OK"}]}
 *
 * CloudWatch Logs also sends `CONTROL_MESSAGE` envelopes to check the destination is
 * reachable; they carry no flow.
 */
export interface CloudWatchEnvelope {
  /** The AWS account that owns the log group. */
  owner: string;
  /** Each event's message and timestamp, or why the event is not one. */
  logEvents: (CloudWatchEvent | string)[];
}

export interface CloudWatchEvent {
  message: string;
  /** When CloudWatch Logs ingested the event, epoch ms; 0 when absent. */
  timestampMs: number;
}

/** The envelope in `entry`, or why it is not one (the detail of a `not-flow-log` skip). */
export function readCloudWatchEnvelope(entry: unknown): CloudWatchEnvelope | string {
  if (!isRecord(entry)) return `a JSON ${entry === null ? "null" : typeof entry}, not an envelope`;
  const messageType = entry["messageType"];
  if (messageType === "CONTROL_MESSAGE") return "CloudWatch Logs control message";
  if (messageType !== "DATA_MESSAGE") {
    return typeof messageType === "string"
      ? `messageType "${messageType.slice(0, 40)}"`
      : "no messageType: not a CloudWatch Logs subscription envelope";
  }
  const events = entry["logEvents"];
  if (!Array.isArray(events)) return "DATA_MESSAGE without a logEvents array";
  const owner = entry["owner"];
  return {
    owner: typeof owner === "string" ? owner : "",
    logEvents: events.map((event: unknown, index): CloudWatchEvent | string => {
      if (!isRecord(event) || typeof event["message"] !== "string") {
        return `logEvents[${index}] has no message text`;
      }
      const timestamp = event["timestamp"];
      return {
        message: event["message"],
        timestampMs:
          typeof timestamp === "number" && Number.isSafeInteger(timestamp) && timestamp >= 0
            ? timestamp
            : 0,
      };
    }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
