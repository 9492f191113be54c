import { describe, expect, it } from "vitest";
import { sniffFileFormat } from "./sniff.ts";

const text = (value: string) => new TextEncoder().encode(value);

describe("sniffFileFormat", () => {
  it("tells each cloud format and captures apart from their first bytes", () => {
    expect(sniffFileFormat(text("version account-id interface-id srcaddr dstaddr\n2 1"))).toEqual({
      format: "aws-vpc",
    });
    expect(
      sniffFileFormat(
        text("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249"),
      ),
    ).toEqual({ format: "aws-vpc" });
    expect(sniffFileFormat(text('{"messageType":"DATA_MESSAGE","owner":"1"'))).toEqual({
      format: "aws-cloudwatch",
    });
    expect(sniffFileFormat(text('{"insertId":"x","jsonPayload":{"connection":{}}}'))).toEqual({
      format: "gcp-vpc",
    });
    expect(sniffFileFormat(text('[{"connection":{"src_ip":"10.0.0.1"}}]'))).toEqual({
      format: "gcp-vpc",
    });
    expect(
      sniffFileFormat(text('{ "records": [ { "properties": { "flows": [ {"flowTuples"')),
    ).toEqual({ format: "azure-flow" });
    expect(
      sniffFileFormat(text("1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,,,,\n")),
    ).toEqual({ format: "azure-tuples" });
    expect(sniffFileFormat(new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]))).toEqual({
      format: "pcap",
    });
  });

  it("says why a file is not a flow log", () => {
    const readme = sniffFileFormat(text("# Tollgate\n\nSee every byte."));
    expect(readme.format).toBe("unknown");
    expect(readme).toHaveProperty("reason", expect.stringContaining('"# Tollgate"'));
    expect(sniffFileFormat(text('{"name":"package","version":"1"}'))).toHaveProperty(
      "reason",
      expect.stringContaining("JSON, but not"),
    );
    expect(sniffFileFormat(new Uint8Array([0, 1, 2, 3, 255]))).toHaveProperty(
      "reason",
      expect.stringContaining("binary"),
    );
    expect(sniffFileFormat(new Uint8Array(0))).toHaveProperty("reason", "the file is empty");
  });
});
