import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  createJsonValueSplitter,
  isJsonErrorUnit,
  type JsonUnit,
  type JsonValueSplitterOptions,
} from "./json-splitter.ts";

const encoder = new TextEncoder();

/** Splits `input` fed in pieces cut at `cuts` (byte offsets). */
function split(
  input: string | Uint8Array,
  cuts: readonly number[] = [],
  options: JsonValueSplitterOptions = {},
): JsonUnit[] {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const splitter = createJsonValueSplitter(options);
  const units: JsonUnit[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    units.push(...splitter.push(bytes.subarray(from, cut)));
    from = cut;
  }
  units.push(...splitter.push(bytes.subarray(from)));
  units.push(...splitter.finish());
  return units;
}

function texts(units: readonly JsonUnit[]): string[] {
  return units.map((unit) => (isJsonErrorUnit(unit) ? `!${unit.error}` : unit.text));
}

describe("json splitter: units", () => {
  it("cuts NDJSON into one unit per line, with offsets and 1-based lines", () => {
    const input = '{"a":1}\n{"b":[1,2,{"c":"}"}]}\r\n\n  {"d":"x\\"y"}\n';
    const units = split(input);
    expect(texts(units)).toEqual(['{"a":1}', '{"b":[1,2,{"c":"}"}]}', '{"d":"x\\"y"}']);
    expect(units.map((unit) => unit.line)).toEqual([1, 2, 4]);
    const bytes = encoder.encode(input);
    for (const unit of units) {
      expect(new TextDecoder().decode(bytes.subarray(unit.startOffset, unit.endOffset))).toBe(
        (unit as { text: string }).text,
      );
    }
  });

  it("cuts directly concatenated and whitespace-separated objects (Firehose)", () => {
    expect(texts(split('{"a":1}{"b":2} {"c":{}}\t{}'))).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":{}}',
      "{}",
    ]);
  });

  it("gives each element of a top-level array, scalars included (gcloud --format=json)", () => {
    const input = '[\n  {\n    "a": 1\n  },\n  {"b": [2, 3]},\n  "s,]",\n  -1.5e3 , true,null\n]\n';
    const units = split(input);
    expect(texts(units)).toEqual([
      '{\n    "a": 1\n  }',
      '{"b": [2, 3]}',
      '"s,]"',
      "-1.5e3",
      "true",
      "null",
    ]);
    expect(units.map((unit) => unit.line)).toEqual([2, 5, 6, 7, 7, 7]);
    expect(texts(split("[]\n[ ]"))).toEqual([]);
  });

  it("gives each element of a first-key records array (Azure blobs) and skips the rest", () => {
    const input =
      '{ "records" :\n [ {"time":"t1","p":{"records":[1]}},\n{"time":"t2"} ], "x": {"y":"]"} }\n{"z":1}';
    const units = split(input);
    expect(texts(units)).toEqual(['{"time":"t1","p":{"records":[1]}}', '{"time":"t2"}', '{"z":1}']);
    expect(units.map((unit) => unit.line)).toEqual([2, 3, 4]);
    expect(texts(split('{"records":[]}'))).toEqual([]);
  });

  it("keeps an object whole when records is not its first key or not an array", () => {
    for (const input of [
      '{"a":1,"records":[1,2]}',
      '{"records":{"a":[1]}}',
      '{"records":"[x]"}',
      '{"recordsX":[1]}',
      '{"rec":[1]}',
      '{"re\\u0063ords":[1]}',
      '{"records" 1}',
      "{}",
    ]) {
      expect(texts(split(input)), input).toEqual([input]);
    }
  });

  it("handles multi-byte UTF-8 and escapes cut at every chunk boundary", () => {
    const input = '{"k":"é€😀\\\\","q":"\\"}\\\\"}\n["ü\\n", {"x":"\\u00e9"}]';
    const expected = ['{"k":"é€😀\\\\","q":"\\"}\\\\"}', '"ü\\n"', '{"x":"\\u00e9"}'];
    const bytes = encoder.encode(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(texts(split(bytes, [cut])), `cut at ${cut}`).toEqual(expected);
    }
    for (const unit of split(input)) {
      expect(isJsonErrorUnit(unit)).toBe(false);
      if (!isJsonErrorUnit(unit)) JSON.parse(unit.text);
    }
  });

  it("skips a UTF-8 byte order mark at the start of the stream", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{"a":1}')]);
    const units = split(bytes, [1, 2]);
    expect(texts(units)).toEqual(['{"a":1}']);
    expect(units[0]?.startOffset).toBe(3);
  });
});

describe("json splitter: errors", () => {
  it("reports a stray } at top level once and resyncs at the next line that starts a value", () => {
    const units = split('{"a":1}}{"lost":1}\nnot json\n  more junk\n  {"b":2}\n');
    expect(texts(units)).toEqual(['{"a":1}', "!bad-json", '{"b":2}']);
    const error = units[1]!;
    expect(error).toMatchObject({ error: "bad-json", line: 1, startOffset: 7 });
    expect(error.endOffset).toBe('{"a":1}}{"lost":1}\nnot json\n  more junk\n'.length);
    expect((error as { detail: string }).detail).toContain("'}'");
    expect(units[2]?.line).toBe(4);
  });

  it("reports a non-JSON line and top-level scalars as bad-json", () => {
    const units = split('hello\n42\n{"a":1}\n"str"');
    expect(texts(units)).toEqual(["!bad-json", '{"a":1}', "!bad-json"]);
    expect(units.map((unit) => unit.line)).toEqual([1, 3, 4]);
  });

  it("reports a value cut by the end of the stream from finish()", () => {
    const splitter = createJsonValueSplitter();
    expect(splitter.push(encoder.encode('{"a":1}\n{"b":[1,'))).toHaveLength(1);
    const rest = splitter.finish();
    expect(rest).toEqual([
      {
        error: "bad-json",
        detail: expect.stringContaining("cut") as unknown,
        startOffset: 8,
        endOffset: 16,
        line: 2,
      },
    ]);
  });

  it("reports an unclosed top-level array or records object", () => {
    expect(texts(split('[{"a":1},'))).toEqual(['{"a":1}', "!bad-json"]);
    expect(texts(split('{"records":[{"a":1}]'))).toEqual(['{"a":1}', "!bad-json"]);
  });

  it("treats a line break inside a string as a cut value and resyncs on the next line", () => {
    const units = split('{"a":"cut\n{"b":2}\n["x\n{"c":3}');
    expect(texts(units)).toEqual(["!bad-json", '{"b":2}', "!bad-json", '{"c":3}']);
    expect(units.map((unit) => unit.line)).toEqual([1, 2, 3, 4]);
  });

  it("reports a unit over maxValueBytes as too-large without keeping it, and goes on", () => {
    const big = `{"big":"${"x".repeat(5000)}"}`;
    const input = `{"a":1}\n${big}\n{"b":2}\n{"records":[${big},{"c":3}]}`;
    const bytes = encoder.encode(input);
    const cuts = Array.from({ length: 100 }, (_, index) => index * 97);
    const units = split(bytes, cuts, { maxValueBytes: 1000 });
    expect(texts(units)).toEqual(['{"a":1}', "!too-large", '{"b":2}', "!too-large", '{"c":3}']);
    expect(units[1]).toMatchObject({ startOffset: 8, endOffset: 8 + big.length, line: 2 });
    const cut = split(`{"a":"${"y".repeat(3000)}`, cuts, { maxValueBytes: 1000 });
    expect(texts(cut)).toEqual(["!too-large"]);
  });
});

/** Layouts the splitter must cut, with the units JSON.parse of the whole text gives. */
function layout(values: readonly object[], style: number, pretty: boolean): string {
  const text = (value: object): string => JSON.stringify(value, null, pretty ? 2 : undefined);
  switch (style) {
    case 0:
      return values.map((value) => JSON.stringify(value) + "\n").join("");
    case 1:
      return values.map(text).join("");
    case 2:
      return JSON.stringify(values, null, pretty ? 2 : undefined);
    default:
      return JSON.stringify(
        { records: values, tail: { n: values.length } },
        null,
        pretty ? 4 : undefined,
      );
  }
}

function unitsOf(style: number, text: string, values: readonly object[]): unknown[] {
  // Through JSON and back, as the splitter's units are: -0 is written "0" (fast-check found it).
  if (style === 0 || style === 1) {
    return values.map((value) => JSON.parse(JSON.stringify(value)) as unknown);
  }
  const parsed = JSON.parse(text) as unknown;
  return style === 2 ? (parsed as unknown[]) : (parsed as { records: unknown[] }).records;
}

describe("json splitter: properties", () => {
  const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), {
    maxLength: 8,
  });

  it("any chunking gives the units JSON.parse finds in the whole text", () => {
    fc.assert(
      fc.property(
        objects,
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (values, style, pretty, rawCuts) => {
          const text = layout(values, style, pretty);
          const bytes = encoder.encode(text);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const units = split(bytes, cuts);
          expect(units).toEqual(split(bytes));
          const parsed = units.map((unit) => {
            if (isJsonErrorUnit(unit)) throw new Error(`unexpected ${unit.error}: ${unit.detail}`);
            return JSON.parse(unit.text) as unknown;
          });
          expect(parsed).toEqual(unitsOf(style, text, values));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("arbitrary or mutated bytes never throw, and chunking never changes the units", () => {
    const seeds = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .tuple(objects, fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(fc.nat(), fc.nat(255))))
        .map(([values, style, mutations]) => {
          const bytes = encoder.encode(layout(values, style, true));
          for (const [at, byte] of mutations) {
            if (bytes.length > 0) bytes[at % bytes.length] = byte;
          }
          return bytes;
        }),
    );
    fc.assert(
      fc.property(seeds, fc.array(fc.nat(), { maxLength: 10 }), (bytes, rawCuts) => {
        const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
        const units = split(bytes, cuts, { maxValueBytes: 64 });
        expect(units).toEqual(split(bytes, [], { maxValueBytes: 64 }));
        let previousEnd = 0;
        for (const unit of units) {
          expect(unit.startOffset).toBeGreaterThanOrEqual(previousEnd);
          expect(unit.endOffset).toBeGreaterThanOrEqual(unit.startOffset);
          expect(unit.endOffset).toBeLessThanOrEqual(bytes.length);
          expect(unit.line).toBeGreaterThanOrEqual(1);
          previousEnd = unit.endOffset;
        }
      }),
      { numRuns: 500 },
    );
  });
});
