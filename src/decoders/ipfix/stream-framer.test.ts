import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeIpfix, ipfixTemplateSet } from "../template/testdata/encode.ts";
import { createIpfixStreamFramer } from "./stream-framer.ts";

const messages = [0, 1, 2, 3].map((sequence) =>
  encodeIpfix({ exportSecs: 1, sequence, domain: 1 }, [
    ipfixTemplateSet([
      {
        id: 256 + sequence,
        fields: Array.from({ length: sequence + 1 }, (_, id) => ({ id: id + 1, length: 4 })),
      },
    ]),
  ]),
);
const stream = Uint8Array.from(messages.flatMap((message) => [...message]));

describe("IPFIX over TCP framing (RFC 7011 §10.4)", () => {
  it("reassembles messages across arbitrary chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.byteLength - 1 }), { maxLength: 20 }),
        (cuts) => {
          const framer = createIpfixStreamFramer();
          const points = [0, ...cuts.sort((a, b) => a - b), stream.byteLength];
          const got: Uint8Array[] = [];
          for (let index = 1; index < points.length; index++) {
            const result = framer.push(stream.subarray(points[index - 1], points[index]));
            expect(result.issues).toEqual([]);
            got.push(...result.messages);
          }
          expect(got).toEqual(messages);
          expect(framer.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it("reports a bad version or length as an unusable stream, and stays unusable", () => {
    const framer = createIpfixStreamFramer({ maxMessageBytes: 1000 });
    expect(framer.push(Uint8Array.of(0, 9, 0, 20)).issues.map((issue) => issue.code)).toEqual([
      "bad-stream",
    ]);
    expect(framer.push(messages[0] ?? new Uint8Array()).issues.map((issue) => issue.code)).toEqual([
      "bad-stream",
    ]);
    const tooLong = createIpfixStreamFramer({ maxMessageBytes: 100 });
    expect(tooLong.push(Uint8Array.of(0, 10, 0x10, 0)).issues.map((issue) => issue.code)).toEqual([
      "bad-stream",
    ]);
    const tooShort = createIpfixStreamFramer();
    expect(tooShort.push(Uint8Array.of(0, 10, 0, 8)).issues.map((issue) => issue.code)).toEqual([
      "bad-stream",
    ]);
  });
});
