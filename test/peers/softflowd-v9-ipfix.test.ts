import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DIRECTIONS } from "../../src/core/index.ts";
import {
  busiestSource,
  cliSummary,
  createProcessSet,
  diagnostics,
  makeDualStackTraffic,
  networksConfig,
  PCAP_INSIDE,
  settle,
  topSource,
  totalOf,
  tsharkTruth,
  writeDualStackPcap,
} from "../helpers/exporters.ts";
import { peerAvailable, which } from "../helpers/peers.ts";
import { startTollgate, type RunningTollgate } from "../helpers/tollgate.ts";

/**
 * End to end with a real template-based exporter: softflowd (Debian) reads a pcap this test
 * writes and exports NetFlow v9 (`-v 9`) or IPFIX (`-v 10`) to a running `tollgate serve`.
 * Unsampled, so the per-direction totals `tollgate summary --json` reports must equal tshark's
 * ground truth over the same pcap exactly: bytes, packets and unidirectional flows.
 *
 * `softflowd -r` expires every flow at the end of the file and sends it before exiting (it
 * implies -d and opens no control socket), so no flush step is needed; the export datagrams
 * are on the wire when the process has exited.
 */
const havePeers =
  peerAvailable("softflowd (apt-get install softflowd)", which("softflowd") !== undefined) &&
  peerAvailable("tshark (apt-get install tshark)", which("tshark") !== undefined);

const CASES = [
  { version: 9, family: "IPv4" },
  { version: 9, family: "IPv6" },
  { version: 10, family: "IPv4" },
  { version: 10, family: "IPv6" },
] as const;

describe.runIf(havePeers)("softflowd NetFlow v9 / IPFIX → tollgate serve", () => {
  const processes = createProcessSet();
  let workDir: string;
  let tollgate: RunningTollgate | undefined;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-softflowd-v9-"));
  });

  afterEach(async () => {
    await processes.stopAll();
    await tollgate?.stop();
    tollgate = undefined;
  });

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each(CASES)(
    "-v $version with $family traffic: per-direction totals equal tshark's, exactly",
    async ({ version, family }) => {
      const pcapPath = path.join(workDir, `v${version}-${family}.pcap`);
      const packets = makeDualStackTraffic({
        startMs: Date.now() - 120_000,
        ipv4: family === "IPv4",
        ipv6: family === "IPv6",
      });
      writeFileSync(pcapPath, writeDualStackPcap(packets));
      const ground = tsharkTruth(pcapPath, { inside: PCAP_INSIDE });
      const truth = ground.directions;
      expect(totalOf(truth).packets).toBe(packets.length);
      for (const direction of DIRECTIONS) {
        expect(truth[direction].flows, `${direction} has traffic`).toBeGreaterThan(0);
      }

      tollgate = await startTollgate({ config: networksConfig(PCAP_INSIDE) });
      const port = version === 9 ? tollgate.netflowPort : tollgate.ipfixPort;
      // -6: track IPv6 flows (softflowd 1.1 ignores them otherwise, whatever the version).
      const run = await processes.run(
        "softflowd",
        ["-6", "-r", pcapPath, "-n", `127.0.0.1:${port}`, "-v", String(version)],
        60_000,
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);

      await settle(tollgate, { packets: totalOf(truth).packets });
      const summary = await cliSummary(tollgate);
      expect(summary, await diagnostics(tollgate)).toEqual(truth);

      // Addresses come through as tshark prints them (RFC 5952 for IPv6): the top egress
      // source and its bytes equal tshark's busiest egress source.
      expect(await topSource(tollgate, "egress")).toEqual(
        busiestSource(ground.bytesBySource.egress),
      );
    },
  );
});
