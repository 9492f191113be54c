import { describe, expect, it } from "vitest";
import { OBSERVED_ACTION_ACCEPT, OBSERVED_ACTION_REJECT, wordsToText } from "../../core/index.ts";
import { createAzureTuple, parseAzureTuple } from "./tuple.ts";
import type { AzureTuple } from "./tuple.ts";

function parsed(text: string): AzureTuple {
  const tuple = createAzureTuple();
  const problem = parseAzureTuple(text, tuple);
  expect(problem, text).toBeUndefined();
  return tuple;
}

function problemOf(text: string) {
  return parseAzureTuple(text, createAzureTuple());
}

describe("parseAzureTuple", () => {
  it("reads an NSG Version 1 tuple (8 fields, seconds, protocol letter, decision)", () => {
    const tuple = parsed("1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D");
    expect(tuple).toMatchObject({
      format: "nsg-v1",
      timeMs: 1487282421000,
      ipVersion: 4,
      srcPort: 51529,
      dstPort: 5358,
      protocol: 6,
      flowDirection: 0,
      action: OBSERVED_ACTION_REJECT,
      state: "",
      encryption: "",
      packetsSrcToDst: 0,
      bytesDstToSrc: 0,
    });
    expect(wordsToText(tuple.srcAddr, 0)).toBe("192.0.2.95");
    expect(wordsToText(tuple.dstAddr, 0)).toBe("10.1.0.4");
  });

  it("reads an NSG Version 2 tuple with counters and one with the empty counters of B", () => {
    expect(
      parsed("1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008"),
    ).toMatchObject({
      format: "nsg-v2",
      flowDirection: 1,
      action: OBSERVED_ACTION_ACCEPT,
      state: "C",
      packetsSrcToDst: 30,
      bytesSrcToDst: 16978,
      packetsDstToSrc: 24,
      bytesDstToSrc: 14008,
    });
    expect(parsed("1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,")).toMatchObject({
      format: "nsg-v2",
      protocol: 17,
      state: "B",
      packetsSrcToDst: 0,
      bytesSrcToDst: 0,
      packetsDstToSrc: 0,
      bytesDstToSrc: 0,
    });
  });

  it("reads a VNet tuple: millisecond time, IANA protocol, state D = denied, encryption", () => {
    expect(parsed("1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0")).toMatchObject(
      {
        format: "vnet",
        timeMs: 1663145998065,
        protocol: 6,
        state: "D",
        action: OBSERVED_ACTION_REJECT,
        encryption: "NX",
      },
    );
    expect(
      parsed("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX_LOCAL_DST,3,767,2,1580"),
    ).toMatchObject({ state: "E", action: OBSERVED_ACTION_ACCEPT, encryption: "NX_LOCAL_DST" });
  });

  it("reads a VNet-shaped tuple whose time is in seconds (the documentation's own example)", () => {
    expect(parsed("1493763938,185.170.185.105,10.2.0.4,35370,23,6,I,B,NX,,,,").timeMs).toBe(
      1493763938000,
    );
  });

  it("reads IPv6 tuples in every format", () => {
    const v1 = parsed("1487282421,2001:db8::1,2001:db8:0:0:0:0:0:2,443,51529,T,O,A");
    expect(v1.ipVersion).toBe(6);
    expect(wordsToText(v1.srcAddr, 0)).toBe("2001:db8::1");
    expect(wordsToText(v1.dstAddr, 0)).toBe("2001:db8::2");
    expect(parsed("1542110379,fe80::1,ff02::1:2,546,547,U,O,A,E,1,90,0,0").ipVersion).toBe(6);
    expect(
      parsed("1663146003606,2603:1030::6,2606:4700::6810:da54,5,443,6,O,E,X,1,2,3,4"),
    ).toMatchObject({ ipVersion: 6, encryption: "X", bytesDstToSrc: 4 });
  });

  it("reads ICMP (VNet protocol 1) with empty or zero ports as port 0", () => {
    expect(parsed("1663146003606,10.0.0.6,10.0.0.7,,,1,O,E,NX,4,336,4,336")).toMatchObject({
      protocol: 1,
      srcPort: 0,
      dstPort: 0,
    });
    expect(parsed("1663146003606,10.0.0.6,10.0.0.7,0,0,1,O,E,NX,4,336,4,336").protocol).toBe(1);
  });

  it("keeps counters beyond 2^32 exactly and refuses those beyond 2^53", () => {
    const big = 2 ** 32 + 7;
    expect(
      parsed(`1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,${big},${big * 1000},1,1`),
    ).toMatchObject({ packetsSrcToDst: big, bytesSrcToDst: big * 1000 });
    const safe = Number.MAX_SAFE_INTEGER;
    expect(parsed(`1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,E,NX,1,${safe},1,1`).bytesSrcToDst).toBe(
      safe,
    );
    expect(problemOf(`1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,E,NX,1,${safe + 1},1,1`)).toEqual({
      code: "bad-field",
      detail: 'bytes sent "9007199254740992"',
    });
    expect(
      problemOf("1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,E,NX,1,123456789012345678,1,1"),
    ).toMatchObject({ code: "bad-field" });
  });

  it("refuses wrong field counts", () => {
    expect(problemOf("")).toMatchObject({
      code: "field-count",
      detail: expect.stringMatching(/^1 fields/) as unknown,
    });
    expect(problemOf("1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I")).toMatchObject({
      code: "field-count",
    });
    expect(problemOf("1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D,B")).toMatchObject({
      code: "field-count",
    });
    expect(problemOf(`${"1,".repeat(100000)}1`)).toEqual({
      code: "field-count",
      detail: "more than 13 fields, want 8 (NSG v1) or 13 (NSG v2, VNet)",
    });
  });

  it("refuses bad values, naming the field", () => {
    const cases: [string, string][] = [
      ["1487282421,192.0.2.300,10.1.0.4,1,2,T,I,D", "source address"],
      ["1487282421,192.0.2.3,10.1.0,1,2,T,I,D", "destination address"],
      ["1487282421,192.0.2.3,2001:db8::1,1,2,T,I,D", "address families differ"],
      ["1487282421,192.0.2.3,10.1.0.4,1,2,X,I,D", "protocol"],
      ["1487282421,192.0.2.3,10.1.0.4,1,2,t,I,D", "protocol"],
      // An 8-field tuple is NSG Version 1, which names protocols by letter only.
      ["1487282421,192.0.2.3,10.1.0.4,1,2,6,I,D", "protocol"],
      ["1663146003606,10.0.0.6,10.0.0.7,1,2,256,O,E,NX,1,1,1,1", "protocol"],
      ["1663146003606,10.0.0.6,10.0.0.7,1,2,-6,O,E,NX,1,1,1,1", "protocol"],
      ["-1,192.0.2.3,10.1.0.4,1,2,T,I,D", "time"],
      ["2017-02-16,192.0.2.3,10.1.0.4,1,2,T,I,D", "time"],
      ["1487282421,192.0.2.3,10.1.0.4,65536,2,T,I,D", "source port"],
      ["1487282421,192.0.2.3,10.1.0.4,1,x,T,I,D", "destination port"],
      ["1487282421,192.0.2.3,10.1.0.4,1,2,T,B,D", "direction"],
      ["1487282421,192.0.2.3,10.1.0.4,1,2,T,I,R", "decision"],
      ["1542110379,10.5.16.4,203.0.113.115,1,2,T,O,A,D,1,1,1,1", "state"],
      ["1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,A,NX,1,1,1,1", "state"],
      ["1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,E,,1,1,1,1", "encryption"],
      ["1542110379,10.5.16.4,203.0.113.115,1,2,T,O,A,C,-,1,1,1", "packets sent"],
      ["1542110379,10.5.16.4,203.0.113.115,1,2,T,O,A,C,1,1.5,1,1", "bytes sent"],
      ["1542110379,10.5.16.4,203.0.113.115,1,2,T,O,A,C,1,1, 1,1", "packets received"],
      ["1542110379,10.5.16.4,203.0.113.115,1,2,T,O,A,C,1,1,1,1e3", "bytes received"],
    ];
    for (const [text, field] of cases) {
      const problem = problemOf(text);
      expect(problem?.code, text).toBe("bad-field");
      expect(problem?.detail.startsWith(field), `${text}: ${problem?.detail}`).toBe(true);
    }
  });

  it("cuts long values in details", () => {
    const problem = problemOf(`1487282421,${"9".repeat(1000)},10.1.0.4,1,2,T,I,D`);
    expect(problem?.detail).toBe(`source address "${"9".repeat(48)}…"`);
  });

  it("overwrites every field when a tuple is reused", () => {
    const tuple = parsed("1663146003606,10.0.0.6,10.0.0.7,1,2,6,O,E,NX,1,2,3,4");
    expect(parseAzureTuple("1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,A", tuple)).toBe(
      undefined,
    );
    expect(tuple).toMatchObject({
      format: "nsg-v1",
      state: "",
      encryption: "",
      packetsSrcToDst: 0,
      bytesSrcToDst: 0,
      packetsDstToSrc: 0,
      bytesDstToSrc: 0,
    });
  });
});
