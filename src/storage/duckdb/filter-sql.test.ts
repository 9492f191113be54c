import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { AppError, contains, parsePrefix, type FlowRecord } from "../../core/index.ts";
import {
  compileFilter,
  createClickHouseBinder,
  clickHouseLike,
  FilterError,
  hiLoAddressBinding,
  parseFilterExpression,
  type FilterComparison,
  type FilterDialect,
  type FilterExpression,
  type FilterValue,
} from "../../query/filter/index.ts";
import { appendRecords } from "../records.ts";
import type { FlowFilter } from "../store.ts";
import { createDuckDbStore, type DuckDbStore } from "./index.ts";
import { createFlowGenerator } from "./testdata/flows.ts";

// Semantics of the filter language against a real DuckDB store holding six known flows, each
// with a distinct source port so a result's flows can be named.
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

// The generator's record as the base, so fields FlowRecord gains later are filled too.
const BASE = createFlowGenerator({ seed: 1, startMs: T0, meanGapMs: 1 })(1)[0]!;

function flow(id: number, fields: Partial<FlowRecord>): FlowRecord {
  return {
    ...BASE,
    startMs: T0 + id * 1000 - 500,
    endMs: T0 + id * 1000,
    receivedMs: T0 + id * 1000,
    exporterAddr: "192.0.2.1",
    source: "netflow9",
    inIf: 1,
    outIf: 2,
    ipVersion: 4,
    srcAddr: "10.1.0.5",
    dstAddr: "8.8.8.8",
    srcPort: 40_000 + id,
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x1b,
    tos: 0,
    srcAs: 64512,
    dstAs: 15169,
    srcMaskLen: 16,
    dstMaskLen: 24,
    nextHop: "0.0.0.0",
    sampledBytes: 1,
    sampledPackets: 1,
    samplingRate: 1,
    samplingRateKnown: true,
    bytes: 1,
    packets: 1,
    direction: "egress",
    directionSource: "networks",
    locality: "internet",
    srcNetwork: "office",
    dstNetwork: "",
    srcTags: { team: "payments", "cost center": "cc-1" },
    dstTags: {},
    ...fields,
  };
}

const FLOWS: Record<number, FlowRecord> = {
  1: flow(1, { bytes: 20_000_000, packets: 20 }),
  2: flow(2, {
    bytes: 5_000_000,
    packets: 5,
    srcAddr: "10.1.0.6",
    dstAddr: "203.0.113.9",
    protocol: 17,
    dstPort: 53,
    dstAs: 64500,
    exporterAddr: "192.0.2.2",
  }),
  3: flow(3, {
    bytes: 50_000_000,
    packets: 50,
    direction: "ingress",
    srcAddr: "198.51.100.7",
    dstAddr: "10.2.0.1",
    dstPort: 8443,
    srcAs: 15169,
    dstAs: 64512,
    srcNetwork: "",
    srcTags: {},
    dstNetwork: "dc-east",
    dstTags: { team: "platform" },
  }),
  4: flow(4, {
    bytes: 1_000,
    packets: 1,
    direction: "internal",
    locality: "on-prem",
    dstAddr: "10.2.0.1",
    dstAs: 64512,
    dstNetwork: "dc-east",
    dstTags: { team: "platform" },
  }),
  5: flow(5, {
    bytes: 30_000_000,
    packets: 30,
    ipVersion: 6,
    srcAddr: "2001:db8:1::1",
    dstAddr: "2a00:1450::1",
    locality: "cloud-service",
    srcNetwork: "lab-v6",
    srcTags: { team: "research" },
    exporterAddr: "2001:db8:ff::1",
    source: "ipfix",
  }),
  6: flow(6, {
    bytes: 11_000_000,
    packets: 11,
    srcAddr: "10.1.0.7",
    dstAddr: "203.0.113.200",
    dstPort: 8443,
    dstAs: 64501,
  }),
};
const ALL_IDS = Object.keys(FLOWS).map(Number);
const RANGE = { fromMs: T0, toMs: T0 + 10_000 };

let tempDir = "";
let store: DuckDbStore | undefined;

beforeAll(async () => {
  tempDir = mkdtempSync(path.join(tmpdir(), "tollgate-filter-"));
  store = createDuckDbStore({
    path: path.join(tempDir, "flows.duckdb"),
    readOnly: false,
    threads: 2,
  });
  await store.start();
  await appendRecords(store, Object.values(FLOWS));
});
afterEach(async () => {
  // Every test leaves the table as it found it: six flows.
  expect(await opened().countFlows()).toBe(ALL_IDS.length);
});
afterAll(async () => {
  await store?.stop();
  rmSync(tempDir, { recursive: true, force: true });
});

function opened(): DuckDbStore {
  if (store === undefined) throw new Error("store not started");
  return store;
}

function filterOf(text: string, extra: FlowFilter = {}): FlowFilter {
  return { ...extra, where: parseFilterExpression(text), whereText: text };
}

/** The ids of the flows a filter selects (each flow's source port is 40000 + its id). */
async function selected(text: string, extra: FlowFilter = {}): Promise<number[]> {
  const filter = filterOf(text, extra);
  const top = await opened().top({
    range: RANGE,
    by: "src.port",
    metric: "flows",
    limit: 100,
    filter,
  });
  const ids = top.rows.map((row) => Number(row.key) - 40_000).sort((a, b) => a - b);
  // The summary agrees on the same filter.
  const summary = await opened().summary({ range: RANGE, filter });
  expect(summary.total.flows).toBe(ids.length);
  expect(summary.total.bytes).toBe(ids.reduce((sum, id) => sum + (FLOWS[id]?.bytes ?? 0), 0));
  return ids;
}

describe("filter semantics on a DuckDB store", () => {
  it.each([
    ["dst.asn = 15169 or dst.net = 203.0.113.0/24", [1, 2, 5, 6]],
    ["proto = tcp and dst.port in (443, 8443)", [1, 3, 4, 5, 6]],
    ["src.addr << 10.0.0.0/8", [1, 2, 4, 6]],
    ["not locality = internet", [4, 5]],
    ["direction = egress and bytes > 10MB and src.tag.team = payments", [1, 6]],
    ["bytes >= 11M and bytes <= 20000000", [1, 6]],
    ["bytes > 19MiB", [1, 3, 5]],
    ["src.addr << 2001:db8::/32", [5]],
    ["src.addr = 2001:db8::/32 or dst.addr = 8.8.8.8", [1, 5]],
    ["dst.addr != 8.8.8.8 and dst.addr not in (10.2.0.1, 2a00:1450::/32)", [2, 6]],
    ["src.addr << 0.0.0.0/0", [1, 2, 3, 4, 6]],
    ["src.addr << ::/0", ALL_IDS],
    ["exporter = 192.0.2.2 or exporter << 2001:db8:ff::/48", [2, 5]],
    ["src.net = office and not dst.net = dc-east", [1, 2, 6]],
    ["src.net = 10.1.0.0/16", [1, 2, 4, 6]],
    ['src.net ~ "off*" or dst.net ~ "dc-?ast"', [1, 2, 3, 4, 6]],
    ['src.net = ""', [3]],
    ['src.tag."cost center" = cc-1 and proto != udp', [1, 4, 6]],
    ["dst.tag.team in (platform, research)", [3, 4]],
    ["src.tag.team != payments", [3, 5]],
    ["source = ipfix or ip.version = 6", [5]],
    ['direction.source = networks and observed.action = ""', ALL_IDS],
    ["src.as = 15169 or (dst.port < 100 and proto = 17)", [2, 3]],
    ["packets in (1, 5) or tcp.flags = 0", [2, 4]],
    ['cloud.provider = ""', ALL_IDS],
    ["not (direction = egress or direction = ingress)", [4]],
  ] as const)("%s", async (text, expected) => {
    expect(await selected(text)).toEqual([...expected]);
  });

  it("ANDs --direction with the filter", async () => {
    expect(
      await selected("proto = tcp and dst.port in (443, 8443)", { direction: "egress" }),
    ).toEqual([1, 5, 6]);
  });

  it("answers the example with countries when the store has them, else names the field", async () => {
    const text =
      "direction = egress and dst.country not in (US, CA) and bytes > 10MB and src.tag.team = payments";
    const outcome = await selected(text).then(
      (ids) => ids,
      (error: unknown) => error,
    );
    if (Array.isArray(outcome)) {
      // No flow here has a country: every egress flow over 10 MB of the payments team is kept.
      expect(outcome).toEqual([1, 6]);
    } else {
      expect(outcome).toBeInstanceOf(AppError);
      expect((outcome as AppError).code).toBe("ERR_QUERY_INVALID");
      expect((outcome as AppError).message).toMatch(
        /column 24: field dst\.country is not available in this store \(duckdb\)/,
      );
    }
  });

  it("filters top-N and time series, joining the filter's tables with the dimension's", async () => {
    const top = await opened().top({
      range: RANGE,
      by: "src.net",
      metric: "bytes",
      limit: 5,
      filter: filterOf("dst.net = dc-east or exporter = 2001:db8:ff::1"),
    });
    expect(top.rows.map((row) => [row.key, row.bytes])).toEqual([
      ["", 50_000_000],
      ["lab-v6", 30_000_000],
      ["office", 1_000],
    ]);
    const byTag = await opened().top({
      range: RANGE,
      by: "dst.tag.team",
      metric: "flows",
      limit: 5,
      filter: filterOf("src.tag.team = payments"),
    });
    expect(byTag.rows.map((row) => [row.key, row.flows])).toEqual([
      ["", 3],
      ["platform", 1],
    ]);
    const series = await opened().timeseries({
      range: RANGE,
      stepMs: 10_000,
      metric: "bytes",
      filter: filterOf("src.addr << 10.0.0.0/8 and bytes < 10MB"),
    });
    expect(series.points.map((point) => point.byDirection)).toEqual([
      { ingress: 0, egress: 5_000_000, internal: 1_000, transit: 0 },
    ]);
  });
});

const HOSTILE = [
  "x' OR 1=1 --",
  '"; DROP TABLE flows; --',
  "'; DROP TABLE flows; SELECT '",
  "\\' OR '1'='1",
  "a\\\\b\\\"c'd",
  "ünï©ødé 🚀 \u202e",
  "nul\u0000byte",
  "$filter_1",
  "{f1:String}",
  "%_*?",
];

function quoted(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** A ClickHouse-shaped dialect over made-up columns: enough to compile every field. */
function clickHouseDialect(mode: "params" | "literals"): FilterDialect {
  return {
    name: "clickhouse",
    field: (name) =>
      name.endsWith("addr") || name === "exporter"
        ? hiLoAddressBinding(`${name.replaceAll(".", "_")}_hi`, `${name.replaceAll(".", "_")}_lo`)
        : { kind: "scalar", sql: name.replaceAll(".", "_") },
    tag: (side, keySql) => ({ kind: "scalar", sql: `${side}_tags[${keySql}]` }),
    binder: () => createClickHouseBinder(mode),
    like: clickHouseLike,
  };
}

describe("filter values cannot inject SQL", () => {
  it.each(HOSTILE)("value %j selects nothing and leaves the table intact", async (value) => {
    for (const text of [
      `src.net = ${quoted(value)}`,
      `src.tag.team = ${quoted(value)}`,
      `src.tag.${quoted(value)} = payments`,
      `cloud.account in (${quoted(value)}, ${quoted(value)}) or src.net ~ ${quoted(value)}`,
    ]) {
      expect(await selected(text)).toEqual([]);
      for (const mode of ["params", "literals"] as const) {
        const compiled = compileFilter(parseFilterExpression(text), clickHouseDialect(mode), text);
        // No statement separator or comment outside a string literal can come from a value.
        const outsideStrings = compiled.sql.replace(/'(?:[^'\\]|\\.)*'/g, "''");
        expect(outsideStrings).not.toMatch(/;|--|DROP/);
        if (mode === "params") expect(Object.values(compiled.params)).toContain(value);
      }
    }
  });

  it("refuses a field the store has no SQL for with the column of the field", () => {
    const dialect: FilterDialect = { ...clickHouseDialect("params"), field: () => undefined };
    const text = "proto = tcp and  src.as.name = google";
    try {
      compileFilter(parseFilterExpression(text), dialect, text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FilterError);
      expect((error as FilterError).details).toMatchObject({ column: 1, length: 5 });
    }
  });
});

/** What a filter means, evaluated on one record in JS: the oracle the SQL must agree with. */
function evaluate(expression: FilterExpression, record: FlowRecord): boolean {
  switch (expression.kind) {
    case "and":
      return expression.operands.every((operand) => evaluate(operand, record));
    case "or":
      return expression.operands.some((operand) => evaluate(operand, record));
    case "not":
      return !evaluate(expression.operand, record);
    case "compare": {
      const matches = expression.values.map((value) => matchOne(expression, value, record));
      const negated = expression.op === "!=" || expression.op === "not in";
      return negated ? !matches.some(Boolean) : matches.some(Boolean);
    }
  }
}

const ADDRESS_OF: Readonly<Record<string, (record: FlowRecord) => string>> = {
  "src.addr": (record) => record.srcAddr,
  "dst.addr": (record) => record.dstAddr,
  "src.net": (record) => record.srcAddr,
  "dst.net": (record) => record.dstAddr,
  exporter: (record) => record.exporterAddr,
};
const SCALAR_OF: Readonly<Record<string, (record: FlowRecord) => string | number>> = {
  direction: (record) => record.direction,
  locality: (record) => record.locality,
  source: (record) => record.source,
  proto: (record) => record.protocol,
  "src.port": (record) => record.srcPort,
  "dst.port": (record) => record.dstPort,
  "src.as": (record) => record.srcAs,
  "dst.as": (record) => record.dstAs,
  "ip.version": (record) => record.ipVersion,
  bytes: (record) => record.bytes,
  packets: (record) => record.packets,
  "src.net": (record) => record.srcNetwork,
  "dst.net": (record) => record.dstNetwork,
  "src.tag.team": (record) => record.srcTags["team"] ?? "",
  "dst.tag.team": (record) => record.dstTags["team"] ?? "",
};

function matchOne(node: FilterComparison, value: FilterValue, record: FlowRecord): boolean {
  if (value.kind === "address" || value.kind === "prefix") {
    const parsed = parsePrefix(value.value);
    const address = ADDRESS_OF[node.field]?.(record);
    if (!parsed.ok || address === undefined) throw new Error(`oracle: ${node.field}`);
    return contains(parsed.prefix, address);
  }
  const actual = SCALAR_OF[node.field]?.(record);
  if (actual === undefined) throw new Error(`oracle: no ${node.field}`);
  switch (node.op) {
    case "<":
      return actual < value.value;
    case "<=":
      return actual <= value.value;
    case ">":
      return actual > value.value;
    case ">=":
      return actual >= value.value;
    case "~": {
      const pattern = String(value.value)
        .split("")
        .map((char) =>
          char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        )
        .join("");
      return new RegExp(`^${pattern}$`, "s").test(String(actual));
    }
    case "=":
    case "!=":
    case "in":
    case "not in":
    case "<<":
      return actual === value.value;
  }
}

describe("filter semantics against a JS oracle on generated flows", () => {
  const generated = createFlowGenerator({ seed: 11, startMs: T0, meanGapMs: 20 })(3000);
  let oracleStore: DuckDbStore | undefined;

  beforeAll(async () => {
    oracleStore = createDuckDbStore({
      path: path.join(tempDir, "oracle.duckdb"),
      readOnly: false,
      threads: 2,
    });
    await oracleStore.start();
    await appendRecords(oracleStore, generated);
  });
  afterAll(async () => {
    await oracleStore?.stop();
  });

  const pick = <T>(items: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...items);
  const comparison = fc.oneof(
    fc
      .tuple(
        pick(["direction", "locality", "source"]),
        pick(["=", "!="]),
        pick(["egress", "ingress", "internet", "cdn", "ipfix", "netflow5"]),
      )
      .filter(([field, , value]) =>
        field === "direction"
          ? ["egress", "ingress"].includes(value)
          : field === "locality"
            ? ["internet", "cdn"].includes(value)
            : ["ipfix", "netflow5"].includes(value),
      )
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    fc
      .tuple(
        pick(["src.port", "dst.port"]),
        pick(["=", "!=", "<", ">="]),
        pick([22, 53, 443, 8080, 40000]),
      )
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    fc
      .tuple(
        pick(["proto"]),
        pick(["in", "not in"]),
        fc.subarray(["tcp", "udp", "icmp", "ipv6-icmp"], { minLength: 1 }),
      )
      .map(([field, op, values]) => `${field} ${op} (${values.join(", ")})`),
    fc
      .tuple(
        pick(["bytes", "packets"]),
        pick(["<", "<=", ">", ">="]),
        pick(["100", "10k", "1M", "1Mi", "50k", "2.5k"]),
      )
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    fc
      .tuple(
        pick(["src.addr", "dst.addr", "src.net", "dst.net", "exporter"]),
        pick(["=", "<<", "!="]),
        pick([
          "10.0.0.0/8",
          "10.1.0.0/16",
          "10.2.0.0/24",
          "2001:db8:1::/48",
          "2a00:1450::/32",
          "0.0.0.0/0",
          "23.0.0.0/8",
          "192.0.2.1",
          "2001:db8:ff::1",
        ]),
      )
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    fc
      .tuple(
        pick(["src.net", "dst.net", "src.tag.team", "dst.tag.team"]),
        pick(["=", "!=", "~"]),
        pick([
          "office",
          "dc-east",
          "lab-v6",
          '""',
          "it",
          "platform",
          "research",
          '"*"',
          '"dc-*"',
          '"?ab*"',
          '"plat?orm"',
        ]),
      )
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    fc
      .tuple(pick(["src.as", "dst.as"]), pick(["=", "!="]), pick([64512, 15169, 13335]))
      .map(([field, op, value]) => `${field} ${op} ${value}`),
    pick(["ip.version = 4", "ip.version = 6"]),
  );
  const filterText: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      comparison,
      tie("node").map((node) => `not (${node})`),
      fc
        .tuple(tie("node"), pick([" and ", " or "]), tie("node"))
        .map(([a, op, b]) => `(${a})${op}(${b})`),
    ),
  })).node;

  it("selects exactly the flows the oracle selects", async () => {
    await fc.assert(
      fc.asyncProperty(filterText, async (text) => {
        const where = parseFilterExpression(text);
        const summary = await oracleStore!.summary({
          range: {},
          filter: { where, whereText: text },
        });
        const expected = generated.filter((record) => evaluate(where, record));
        expect(summary.total.flows).toBe(expected.length);
        expect(summary.total.bytes).toBe(expected.reduce((sum, record) => sum + record.bytes, 0));
      }),
      { numRuns: 300 },
    );
  });
});
