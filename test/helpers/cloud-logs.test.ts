import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  createJsonValueSplitter,
  isJsonErrorUnit,
  type JsonUnit,
} from "../../src/decoders/flow-log/json-splitter.ts";
import {
  AWS_ALL_FIELDS,
  AWS_FIELD_VERSIONS,
  AWS_V2_FIELDS,
  GCP_STYLES,
  awsS3Key,
  azureBlobPath,
  writeAwsCloudWatchLog,
  writeAwsVpcLog,
  writeAzureNsgLog,
  writeAzureVnetLog,
  writeGcpVpcLog,
  type CloudLogTruth,
  type CounterTotals,
} from "./cloud-logs.ts";
import { corpusDir } from "./peers.ts";

const workDir = mkdtempSync(path.join(tmpdir(), "tollgate-cloud-logs-"));
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});
const file = (name: string): string => path.join(workDir, name);

/** Totals recomputed independently of the writer. */
interface Recount {
  records: number;
  bytes: number;
  packets: number;
  skipped: Record<string, number>;
  byAction: Record<string, CounterTotals>;
  byDirection: Record<string, CounterTotals>;
}

function newRecount(): Recount {
  return { records: 0, bytes: 0, packets: 0, skipped: {}, byAction: {}, byDirection: {} };
}

function count(
  recount: Recount,
  bytes: number,
  packets: number,
  action?: string,
  direction?: string,
): void {
  recount.records++;
  recount.bytes += bytes;
  recount.packets += packets;
  for (const [key, map] of [
    [action, recount.byAction],
    [direction, recount.byDirection],
  ] as const) {
    if (key === undefined) continue;
    const totals = (map[key] ??= { records: 0, bytes: 0, packets: 0 });
    totals.records++;
    totals.bytes += bytes;
    totals.packets += packets;
  }
}

function skip(recount: Recount, code: string): void {
  recount.skipped[code] = (recount.skipped[code] ?? 0) + 1;
}

function expectSameTotals(truth: CloudLogTruth, recount: Recount): void {
  expect(recount.records).toBe(truth.records);
  expect(recount.bytes).toBe(truth.bytes);
  expect(recount.packets).toBe(truth.packets);
  expect(recount.skipped).toEqual(truth.skipped);
  if (truth.byAction) expect(recount.byAction).toMatchObject(nonEmpty(truth.byAction));
  if (truth.byDirection) expect(recount.byDirection).toMatchObject(nonEmpty(truth.byDirection));
}

function nonEmpty(map: Record<string, CounterTotals>): Record<string, CounterTotals> {
  return Object.fromEntries(Object.entries(map).filter(([, totals]) => totals.records > 0));
}

function splitFile(bytes: Uint8Array): JsonUnit[] {
  const splitter = createJsonValueSplitter();
  const units: JsonUnit[] = [];
  for (let at = 0; at < bytes.length; at += 4096)
    units.push(...splitter.push(bytes.subarray(at, at + 4096)));
  units.push(...splitter.finish());
  return units;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}$/;
const isAddress = (text: string): boolean => IPV4.test(text) || IPV6.test(text);
const isCount = (text: string): boolean => /^\d+$/.test(text);

describe("AWS VPC Flow Logs fixtures", () => {
  it("writes header-consistent lines whose re-read totals equal the truth", async () => {
    const fields = AWS_ALL_FIELDS;
    const truth = await writeAwsVpcLog(file("aws-all.log"), {
      fields,
      records: 3000,
      seed: 7,
      ipv6Share: 0.2,
      nodataShare: 0.05,
      skipdataShare: 0.02,
      doubleSpaceShare: 0.1,
      dashShare: 0.1,
      malformedShare: 0.05,
      keepRows: true,
    });
    const lines = readFileSync(file("aws-all.log"), "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(truth.lines);
    expect(lines[0]).toBe(fields.join(" "));
    const at = (name: string): number => fields.indexOf(name);
    const recount = newRecount();
    skip(recount, "header");
    let doubleSpaces = 0;
    for (const line of lines.slice(1)) {
      if (line.includes("  ")) doubleSpaces++;
      if (line === "") {
        skip(recount, "blank");
        continue;
      }
      const values = line.split(/ +/);
      if (values.length !== fields.length) {
        skip(recount, "field-count");
        continue;
      }
      const status = values[at("log-status")]!;
      if (status === "NODATA" || status === "SKIPDATA") {
        expect(values[at("srcaddr")]).toBe("-");
        skip(recount, status.toLowerCase());
        continue;
      }
      expect(status).toBe("OK");
      expect(values[at("version")]).toBe("8");
      const bytes = values[at("bytes")]!;
      const packets = values[at("packets")]!;
      if (
        !isAddress(values[at("srcaddr")]!) ||
        !isCount(bytes) ||
        !isAddress(values[at("dstaddr")]!)
      ) {
        skip(recount, "bad-field");
        continue;
      }
      expect(values[at("type")]).toBe(values[at("srcaddr")]!.includes(":") ? "IPv6" : "IPv4");
      count(
        recount,
        Number(bytes),
        Number(packets),
        values[at("action")] === "ACCEPT" ? "accept" : "reject",
        values[at("flow-direction")],
      );
    }
    expectSameTotals(truth, recount);
    expect(truth.units).toBe(lines.length);
    expect(doubleSpaces).toBeGreaterThan(0);
    expect(truth.skipped["nodata"]).toBeGreaterThan(0);
    expect(truth.rows).toHaveLength(truth.records);
    const first = truth.rows![0]!;
    expect(lines[first.line - 1]).toContain(` ${first.srcAddr} `);
  });

  it("writes the v2 default format and gzip round-trips to the same bytes", async () => {
    const options = { records: 2000, seed: 3, ipv6Share: 0.1, nodataShare: 0.01 };
    const plain = await writeAwsVpcLog(file("aws-v2.log"), options);
    const zipped = await writeAwsVpcLog(file("aws-v2.log.gz"), { ...options, gzip: true });
    expect(zipped).toEqual(plain);
    const text = readFileSync(file("aws-v2.log"));
    expect(gunzipSync(readFileSync(file("aws-v2.log.gz"))).equals(text)).toBe(true);
    const lines = text.toString("utf8").trimEnd().split("\n");
    expect(lines[0]).toBe(AWS_V2_FIELDS.join(" "));
    for (const line of lines) expect(line.split(" ")).toHaveLength(14);
    expect(plain.byDirection).toBeUndefined();
    expect(plain.byAction!.accept.records + plain.byAction!.reject.records).toBe(plain.records);
  });

  it("writes CloudWatch subscription envelopes, NDJSON or concatenated", async () => {
    for (const concatenated of [false, true]) {
      const name = `aws-cw-${concatenated}.json`;
      const truth = await writeAwsCloudWatchLog(file(name), {
        records: 500,
        seed: 11,
        eventsPerEnvelope: 40,
        concatenated,
        controlShare: 0.1,
        nodataShare: 0.05,
        malformedShare: 0.05,
      });
      const units = splitFile(readFileSync(file(name)));
      expect(units.length).toBe(truth.units);
      const recount = newRecount();
      for (const unit of units) {
        if (isJsonErrorUnit(unit)) throw new Error(unit.detail);
        const envelope = JSON.parse(unit.text) as {
          messageType: string;
          logEvents: { message: string; timestamp: number }[];
        };
        if (envelope.messageType !== "DATA_MESSAGE") {
          skip(recount, "not-flow-log");
          continue;
        }
        for (const event of envelope.logEvents) {
          const values = event.message.split(/ +/);
          if (values.length !== 14) skip(recount, "field-count");
          else if (values[13] === "NODATA") skip(recount, "nodata");
          else if (!isAddress(values[3]!) || !isCount(values[9]!)) skip(recount, "bad-field");
          else
            count(
              recount,
              Number(values[9]),
              Number(values[8]),
              values[12] === "ACCEPT" ? "accept" : "reject",
            );
        }
      }
      expectSameTotals(truth, recount);
      expect(truth.lines).toBe(concatenated ? 1 : truth.units);
    }
  });

  it("names S3 objects as AWS does", () => {
    const key = awsS3Key({
      account: "123456789012",
      region: "us-east-1",
      date: new Date(Date.UTC(2018, 5, 20, 16, 23)),
      flowLogId: "fl-1234abcd",
    });
    expect(key).toMatch(
      /^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/2018\/06\/20\/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_[0-9a-f]{8}\.log\.gz$/,
    );
    expect(
      awsS3Key({
        account: "1",
        region: "r",
        date: new Date(0),
        flowLogId: "f",
        hash: "fe123456",
        prefix: "p",
      }),
    ).toBe("p/AWSLogs/1/vpcflowlogs/r/1970/01/01/1_vpcflowlogs_r_f_19700101T0000Z_fe123456.log.gz");
  });

  it("knows the field versions of the corpus field table", () => {
    const corpus = corpusDir();
    if (corpus === undefined) {
      console.warn("skipping: shared corpus not found");
      return;
    }
    const table = JSON.parse(
      readFileSync(path.join(corpus, "vpc-aws/awsdocs-field-versions.json"), "utf8"),
    ) as { default_v2_format: string; fields: { field: string; version: number }[] };
    expect(AWS_V2_FIELDS.join(" ")).toBe(table.default_v2_format);
    for (const { field, version } of table.fields)
      expect(AWS_FIELD_VERSIONS[field], field).toBe(version);
  });
});

describe("GCP VPC Flow Logs fixtures", () => {
  for (const style of GCP_STYLES) {
    it(`writes ${style} entries whose re-read totals equal the truth`, async () => {
      const name = `gcp-${style}.json`;
      const truth = await writeGcpVpcLog(file(name), {
        records: 1500,
        seed: 5,
        style,
        ipv6Share: 0.2,
        reporterMix: 0.7,
        malformedShare: 0.05,
        otherLogShare: 0.03,
        keepRows: true,
      });
      const bytes = readFileSync(file(name));
      const units = splitFile(bytes);
      expect(units.length).toBe(truth.units);
      if (style === "logentry-array") {
        expect((JSON.parse(bytes.toString("utf8")) as unknown[]).length).toBe(1500);
      }
      const recount = newRecount();
      for (const unit of units) {
        if (isJsonErrorUnit(unit)) {
          skip(recount, unit.error);
          continue;
        }
        const entry = JSON.parse(unit.text) as Record<string, unknown>;
        if (style !== "payload-ndjson") {
          expect(Object.keys(entry)).toEqual(Object.keys(entry).sort());
          if (!String(entry["logName"]).endsWith("%2Fvpc_flows")) {
            skip(recount, "not-flow-log");
            continue;
          }
          expect(entry["timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
        }
        const payload = (style === "payload-ndjson" ? entry : entry["jsonPayload"]) as Record<
          string,
          unknown
        >;
        const connection = payload["connection"] as Record<string, unknown> | undefined;
        const bytesSent = payload["bytes_sent"];
        if (
          connection === undefined ||
          !isAddress(String(connection["src_ip"])) ||
          typeof bytesSent !== "string" ||
          !isCount(bytesSent)
        ) {
          skip(recount, "bad-field");
          continue;
        }
        expect(payload["start_time"]).toMatch(/\.\d{9}Z$/);
        expect(typeof payload["packets_sent"]).toBe("string");
        const icmp = connection["protocol"] === 1 || connection["protocol"] === 58;
        expect("src_port" in connection).toBe(!icmp);
        count(
          recount,
          Number(bytesSent),
          Number(payload["packets_sent"]),
          undefined,
          payload["reporter"] === "SRC" ? "egress" : "ingress",
        );
      }
      expectSameTotals(truth, recount);
      const firstRow = truth.rows![0]!;
      const unitAtLine = units.find((unit) => unit.line === firstRow.line);
      expect(unitAtLine && !isJsonErrorUnit(unitAtLine) ? unitAtLine.text : "").toContain(
        firstRow.srcAddr,
      );
    });
  }

  it("gzip round-trips and matches the corpus LogEntry shape", async () => {
    const plain = await writeGcpVpcLog(file("gcp.ndjson"), {
      records: 50,
      seed: 2,
      style: "logentry-ndjson",
    });
    const zipped = await writeGcpVpcLog(file("gcp.ndjson.gz"), {
      records: 50,
      seed: 2,
      style: "logentry-ndjson",
      gzip: true,
    });
    expect(zipped).toEqual(plain);
    const text = readFileSync(file("gcp.ndjson"));
    expect(gunzipSync(readFileSync(file("gcp.ndjson.gz"))).equals(text)).toBe(true);
    const corpus = corpusDir();
    if (corpus === undefined) {
      console.warn("skipping the corpus comparison: shared corpus not found");
      return;
    }
    const sample = JSON.parse(
      readFileSync(path.join(corpus, "vpc-gcp/otel-google-service-src-dest.ndjson"), "utf8").split(
        "\n",
      )[0]!,
    ) as Record<string, Record<string, unknown>>;
    const ours = JSON.parse(text.toString("utf8").split("\n")[0]!) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(ours)).toEqual(Object.keys(sample));
    expect(Object.keys(ours["resource"]!)).toEqual(Object.keys(sample["resource"]!));
    expect(Object.keys(ours["resource"]!["labels"] as object)).toEqual(
      Object.keys(sample["resource"]!["labels"] as object),
    );
    expect(Object.keys(ours["jsonPayload"]!["connection"] as object).sort()).toEqual(
      Object.keys(sample["jsonPayload"]!["connection"] as object).sort(),
    );
  });
});

type AzureTupleCheck = { version: 1 | 2 | 4; fields: number };

function recountAzure(units: readonly JsonUnit[], check: AzureTupleCheck): Recount {
  const recount = newRecount();
  for (const unit of units) {
    if (isJsonErrorUnit(unit)) throw new Error(unit.detail);
    const record = JSON.parse(unit.text) as Record<string, unknown>;
    const tuples: string[] = [];
    if (record["category"] === "NetworkSecurityGroupFlowEvent") {
      const properties = record["properties"] as {
        Version: number;
        flows: { flows: { flowTuples: string[] }[] }[];
      };
      expect(properties.Version).toBe(check.version);
      for (const rule of properties.flows)
        for (const flow of rule.flows) tuples.push(...flow.flowTuples);
    } else if (record["category"] === "FlowLogFlowEvent") {
      const flows = (
        record["flowRecords"] as { flows: { flowGroups: { flowTuples: string[] }[] }[] }
      ).flows;
      for (const acl of flows) for (const group of acl.flowGroups) tuples.push(...group.flowTuples);
    } else {
      skip(recount, "not-flow-log");
      continue;
    }
    for (const tuple of tuples) {
      const values = tuple.split(",");
      if (values.length !== check.fields) {
        skip(recount, "field-count");
        continue;
      }
      const protocol = values[5]!;
      if (
        !isAddress(values[1]!) ||
        !(check.version === 4 ? isCount(protocol) : protocol === "T" || protocol === "U")
      ) {
        skip(recount, "bad-field");
        continue;
      }
      const inbound = values[6] === "I";
      const action =
        check.version === 4
          ? values[7] === "D"
            ? "reject"
            : "accept"
          : values[7] === "D"
            ? "reject"
            : "accept";
      const counters =
        check.version === 1
          ? []
          : values.slice(9).map((value) => (value === "" ? 0 : Number(value)));
      count(recount, counters[1] ?? 0, counters[0] ?? 0, action, inbound ? "ingress" : "egress");
      if ((counters[2] ?? 0) > 0 || (counters[3] ?? 0) > 0) {
        count(recount, counters[3] ?? 0, counters[2] ?? 0, action, inbound ? "egress" : "ingress");
      }
    }
  }
  return recount;
}

describe("Azure flow-log fixtures", () => {
  for (const [label, write, check] of [
    [
      "NSG v1",
      (p: string, o: object) =>
        writeAzureNsgLog(p, { version: 1, records: 0, tuplesPerRecord: 0, seed: 0, ...o }),
      { version: 1, fields: 8 },
    ],
    [
      "NSG v2",
      (p: string, o: object) =>
        writeAzureNsgLog(p, { version: 2, records: 0, tuplesPerRecord: 0, seed: 0, ...o }),
      { version: 2, fields: 13 },
    ],
    [
      "VNet v4",
      (p: string, o: object) =>
        writeAzureVnetLog(p, { records: 0, tuplesPerRecord: 0, seed: 0, ...o }),
      { version: 4, fields: 13 },
    ],
  ] as const) {
    it(`${label}: blobs parse, tuples have their version's fields, re-read totals equal the truth`, async () => {
      for (const layout of ["compact", "pretty"] as const) {
        const name = `azure-${check.version}-${layout}.json`;
        const truth = await write(file(name), {
          records: 120,
          tuplesPerRecord: 9,
          seed: 13,
          ipv6Share: 0.1,
          malformedShare: 0.03,
          otherCategoryShare: 0.05,
          layout,
        });
        const bytes = readFileSync(file(name));
        const parsed = JSON.parse(bytes.toString("utf8")) as { records: unknown[] };
        expect(parsed.records).toHaveLength(120);
        const units = splitFile(bytes);
        expect(units.length).toBe(truth.units);
        expectSameTotals(truth, recountAzure(units, check));
        if (check.version !== 1) expect(truth.records).toBeGreaterThan(120 * 9 * 0.9);
        expect(truth.lines).toBe(
          layout === "compact" ? 1 : bytes.toString("utf8").split("\n").length - 1,
        );
      }
    });
  }

  it("matches the corpus samples' record shape and key order", async () => {
    const corpus = corpusDir();
    if (corpus === undefined) {
      console.warn("skipping: shared corpus not found");
      return;
    }
    const read = (name: string): Record<string, unknown> =>
      (JSON.parse(readFileSync(name, "utf8")) as { records: Record<string, unknown>[] })
        .records[0]!;
    await writeAzureNsgLog(file("nsg2.json"), {
      version: 2,
      records: 1,
      tuplesPerRecord: 4,
      seed: 1,
    });
    await writeAzureVnetLog(file("vnet.json"), { records: 1, tuplesPerRecord: 4, seed: 1 });
    const nsgSample = read(path.join(corpus, "vpc-azure/azuredocs-nsg-flowlog-v2-sample.json"));
    const vnetSample = read(path.join(corpus, "vpc-azure/azuredocs-vnet-flowlog-v4-sample.json"));
    const nsg = read(file("nsg2.json"));
    const vnet = read(file("vnet.json"));
    expect(Object.keys(nsg)).toEqual(Object.keys(nsgSample));
    expect(Object.keys(vnet)).toEqual(Object.keys(vnetSample));
    expect(String(nsg["time"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(String(nsg["resourceId"])).toMatch(
      /^\/SUBSCRIPTIONS\/[0-9A-F-]+\/RESOURCEGROUPS\/.+\/NETWORKSECURITYGROUPS\//,
    );
  });

  it("builds the blob paths Azure writes", () => {
    const time = new Date(Date.UTC(2024, 0, 2, 3));
    expect(
      azureBlobPath({
        kind: "nsg",
        subscription: "abc-1",
        resourceGroup: "rg",
        name: "vm-nsg",
        time,
        macAddress: "000d3af87856",
      }),
    ).toBe(
      "insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/ABC-1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/VM-NSG/y=2024/m=01/d=02/h=03/m=00/macAddress=000D3AF87856/PT1H.json",
    );
    expect(
      azureBlobPath({
        kind: "vnet",
        subscription: "abc-1",
        name: "fl",
        region: "eastus2",
        time,
        macAddress: "00224871C205",
      }),
    ).toMatch(
      /^insights-logs-flowlogflowevent\/flowLogResourceID=\/SUBSCRIPTIONS\/ABC-1\/RESOURCEGROUPS\/NETWORKWATCHERRG\/.*NETWORKWATCHER_EASTUS2\/FLOWLOGS\/FL\/y=2024\/m=01\/d=02\/h=03\/m=00\/macAddress=00224871C205\/PT1H\.json$/,
    );
  });
});

describe("streaming", () => {
  it("writes 200k AWS lines without holding them: peak heap stays far below the file size", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 1);
    const truth = await writeAwsVpcLog(file("aws-200k.log"), {
      fields: AWS_ALL_FIELDS,
      records: 200_000,
      seed: 1,
    });
    clearInterval(timer);
    gc();
    const after = process.memoryUsage().heapUsed;
    const mib = 1024 * 1024;
    console.log(
      `aws 200k lines: ${(truth.textBytes / mib).toFixed(0)} MiB written, heap before ${(before / mib).toFixed(1)} MiB, peak +${((peak - before) / mib).toFixed(1)} MiB, after +${((after - before) / mib).toFixed(1)} MiB`,
    );
    expect(truth.lines).toBe(200_001);
    // Generous: garbage between collections counts in the peak, but a file held in memory
    // (about 100 MiB of text here) would not fit.
    expect(peak - before).toBeLessThan(truth.textBytes / 2);
    expect(after - before).toBeLessThan(8 * mib);
  }, 120_000);
});
