import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADDRESS_COLUMNS, FlowBatch, SCALAR_COLUMNS } from "../../core/index.ts";
import type { NetworkRef } from "../store.ts";
import { createSpoolDirectory } from "./spool-dir.ts";
import { decodeSpoolFile, encodeSpoolFile, SpoolFormatError } from "./spool-file.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const networks: NetworkRef[] = [
  { name: "office", tags: { team: "it" }, kind: "inventory", attributes: { site: "par" } },
  { name: "aws:S3:eu-west-1", tags: {}, kind: "cloud", service: "S3" },
];

/** A batch where every column holds something other than its neutral value. */
function fullBatch(): FlowBatch {
  const batch = new FlowBatch(4);
  const cloud = {
    provider: "aws" as const,
    account: "123456789012",
    region: "eu-west-1",
    zone: "euw1-az1",
    vpc: "vpc-1",
    subnet: "subnet-1",
    instance: "i-1",
    interface: "eni-1",
  };
  for (let i = 0; i < 3; i++) {
    const row = batch.appendDecoded({
      startMs: T0 + i,
      endMs: T0 + 1000 + i,
      exporterAddr: i === 2 ? "2001:db8::1" : "192.0.2.1",
      observationDomain: 7 + i,
      source: "ipfix",
      inIf: 10 + i,
      outIf: 20 + i,
      ipVersion: i === 2 ? 6 : 4,
      srcAddr: i === 2 ? "2001:db8::10" : "10.0.0.1",
      dstAddr: i === 2 ? "2001:db8::20" : "198.51.100.7",
      srcPort: 40_000 + i,
      dstPort: 443,
      protocol: 6,
      tcpFlags: 0x1b,
      tos: 0x20,
      srcAs: 64_512,
      dstAs: 15_169,
      srcMaskLen: 24,
      dstMaskLen: 16,
      nextHop: "192.0.2.254",
      flowDirection: 1,
      postNatSrcAddr: "203.0.113.9",
      postNatDstAddr: "198.51.100.8",
      postNatSrcPort: 1024,
      postNatDstPort: 8443,
      inVrf: 3,
      outVrf: 4,
      sampledBytes: 1500 * (i + 1),
      sampledPackets: i + 1,
      samplingRate: 100,
      samplingRateKnown: true,
      cloud,
      observedAction: "accept",
      ...(i === 1 ? { extra: { "pen.9.12": "x", n: 5 } } : {}),
    });
    batch.bytes[row] = 150_000 * (i + 1);
    batch.packets[row] = 100 * (i + 1);
    batch.direction[row] = 1;
    batch.directionSource[row] = 2;
    batch.locality[row] = 3;
    batch.srcNetwork[row] = 1;
    batch.dstNetwork[row] = 2;
    batch.srcCountry[row] = 0x4652;
    batch.dstCountry[row] = 0x5553;
    batch.receivedMs[row] = T0 + 2000;
  }
  batch.addCheckpoint({
    fileKey: "/var/log/flows.log",
    headSha256: "ab".repeat(32),
    headBytes: 4096,
    sizeBytes: 10_000,
    mtimeMs: T0,
    format: "aws-vpc",
    offsetBytes: 5000,
    line: 40,
    records: 3,
    complete: false,
  });
  return batch;
}

describe("spool file", () => {
  it("round-trips every column, extra fields, clouds, checkpoints and networks", () => {
    const batch = fullBatch();
    const file = encodeSpoolFile(42, batch, networks, T0);
    const back = decodeSpoolFile(file);
    expect(back.seq).toBe(42);
    expect(back.records).toBe(3);
    expect(back.createdMs).toBe(T0);
    expect(back.networks).toEqual(networks);
    for (const key of [...SCALAR_COLUMNS, ...ADDRESS_COLUMNS]) {
      expect(Array.from(back.batch[key]), key).toEqual(
        Array.from(
          batch[key].subarray(0, (ADDRESS_COLUMNS as readonly string[]).includes(key) ? 12 : 3),
        ),
      );
    }
    for (let row = 0; row < 3; row++) {
      expect(back.batch.record(row, networks)).toEqual(batch.record(row, networks));
    }
    expect(back.batch.extra).toEqual(batch.extra.slice(0, 3));
    expect(back.batch.clouds).toEqual(batch.clouds);
    expect(back.batch.checkpoints).toEqual(batch.checkpoints);
  });

  it("round-trips an empty batch that carries only checkpoints", () => {
    const batch = new FlowBatch(1);
    batch.addCheckpoint({ ...fullBatch().checkpoints[0]!, complete: true });
    const back = decodeSpoolFile(encodeSpoolFile(1, batch, [], T0));
    expect(back.batch.length).toBe(0);
    expect(back.batch.checkpoints).toEqual(batch.checkpoints);
  });

  it("refuses a flipped bit, a truncated file and a foreign file with SpoolFormatError", () => {
    const file = encodeSpoolFile(7, fullBatch(), networks, T0);
    const flipped = Buffer.from(file);
    flipped[flipped.length - 9] = (flipped[flipped.length - 9] ?? 0) ^ 0x04;
    expect(() => decodeSpoolFile(flipped)).toThrow(/CRC-32 mismatch/);
    expect(() => decodeSpoolFile(file.subarray(0, file.length - 100))).toThrow(SpoolFormatError);
    expect(() => decodeSpoolFile(file.subarray(0, 20))).toThrow(/truncated/);
    expect(() => decodeSpoolFile(Buffer.from('{"not":"a spool file"}'.padEnd(64)))).toThrow(
      /bad magic/,
    );
    const future = Buffer.from(file);
    future.writeUInt32LE(2, 8);
    expect(() => decodeSpoolFile(future)).toThrow(/version 2/);
  });
});

describe("spool directory", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const newDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-spool-dir-"));
    dirs.push(dir);
    return dir;
  };

  it("removes temp files, quarantines unreadable ones and lists the rest in sequence order", async () => {
    const dir = newDir();
    const first = createSpoolDirectory(dir);
    await first.open();
    const seqs = [await first.nextSeq(), await first.nextSeq(), await first.nextSeq()];
    for (const seq of [seqs[2]!, seqs[0]!, seqs[1]!]) {
      await first.write(seq, 3, encodeSpoolFile(seq, fullBatch(), networks, T0));
    }
    writeFileSync(path.join(dir, "0000000000000099.batch.tmp"), "half a file");
    writeFileSync(path.join(dir, "0000000000000098.batch"), "TGSPOOL\n");
    writeFileSync(path.join(dir, "notes.txt"), "left alone");

    const scan = await createSpoolDirectory(dir).open();
    expect(scan.entries.map((entry) => entry.seq)).toEqual(seqs);
    expect(scan.entries.every((entry) => entry.records === 3)).toBe(true);
    expect(scan.tempRemoved).toBe(1);
    expect(scan.quarantined).toEqual([
      { name: "0000000000000098.batch", reason: expect.stringMatching(/truncated/) as string },
    ]);
    expect(readdirSync(path.join(dir, "quarantine"))).toEqual(["0000000000000098.batch"]);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("left alone");
  });

  it("never hands out a sequence number twice, across reopenings without files", async () => {
    const dir = newDir();
    const seen: number[] = [];
    let id = "";
    for (let run = 0; run < 3; run++) {
      const spool = createSpoolDirectory(dir);
      await spool.open();
      if (run === 0) id = spool.id();
      expect(spool.id()).toBe(id);
      for (let i = 0; i < 5; i++) seen.push(await spool.nextSeq());
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
