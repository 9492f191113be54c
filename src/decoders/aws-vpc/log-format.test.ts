import { describe, expect, it } from "vitest";
import { AWS_VPC_FIELDS } from "./fields.ts";
import { parseAwsLogFormat } from "./log-format.ts";

describe("parseAwsLogFormat", () => {
  it("reads AWS's LogFormat syntax", () => {
    expect(parseAwsLogFormat("${version} ${account-id} ${interface-id} ${srcaddr}")).toEqual({
      fields: ["version", "account-id", "interface-id", "srcaddr"],
    });
  });

  it("reads plain names (a header line) with any spacing", () => {
    expect(parseAwsLogFormat("  srcaddr   dstaddr\tflow-direction \n")).toEqual({
      fields: ["srcaddr", "dstaddr", "flow-direction"],
    });
  });

  it("reads LogFormat tokens written without spaces between them", () => {
    expect(parseAwsLogFormat("${srcaddr}${dstaddr}")).toEqual({ fields: ["srcaddr", "dstaddr"] });
  });

  it("accepts every known field, TGW, ECS and reject-reason included", () => {
    const all = AWS_VPC_FIELDS.map((field) => field.name);
    expect(parseAwsLogFormat(all.map((name) => `\${${name}}`).join(" "))).toEqual({ fields: all });
  });

  it("names an unknown field and suggests the nearest known one", () => {
    expect(parseAwsLogFormat("${version} ${srcadr}")).toEqual({
      error: 'unknown flow-log field "srcadr"; did you mean "srcaddr"?',
    });
    expect(parseAwsLogFormat("account_id")).toEqual({
      error: 'unknown flow-log field "account_id"; did you mean "account-id"?',
    });
    expect(parseAwsLogFormat("tgw-src-vpc-acount-id")).toMatchObject({
      error: expect.stringContaining('"tgw-src-vpc-account-id"') as unknown,
    });
  });

  it("suggests nothing for a word that is no typo", () => {
    expect(parseAwsLogFormat("bananas")).toEqual({ error: 'unknown flow-log field "bananas"' });
  });

  it("rejects empty formats, repeated fields and stray characters", () => {
    expect(parseAwsLogFormat("   ")).toEqual({ error: "flow-log format names no field" });
    expect(parseAwsLogFormat("srcaddr ${srcaddr}")).toEqual({
      error: 'flow-log field "srcaddr" appears twice',
    });
    expect(parseAwsLogFormat("${srcaddr")).toMatchObject({
      error: expect.stringContaining('"$"') as unknown,
    });
    expect(parseAwsLogFormat("${}")).toEqual({ error: 'empty field "${}" in flow-log format' });
  });
});
