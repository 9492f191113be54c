import type { FlowBatch } from "../../core/index.ts";

/**
 * Appends the reverse direction of a biflow record (RFC 5103 §5): a copy of `row` with the
 * endpoints (addresses, ports, interfaces, AS numbers, masks, post-NAT addresses and ports)
 * swapped and the reverse counters. Times, exporter, sampling and `extra` are shared.
 */
export function appendReverseRow(
  batch: FlowBatch,
  row: number,
  reverseBytes: number,
  reversePackets: number,
  reverseTcpFlags: number,
): void {
  const reverse = batch.addRow();
  batch.startMs[reverse] = batch.startMs[row] ?? 0;
  batch.endMs[reverse] = batch.endMs[row] ?? 0;
  batch.receivedMs[reverse] = batch.receivedMs[row] ?? 0;
  const base = row * 4;
  const target = reverse * 4;
  for (let word = 0; word < 4; word++) {
    batch.exporter[target + word] = batch.exporter[base + word] ?? 0;
    batch.nextHop[target + word] = batch.nextHop[base + word] ?? 0;
  }
  for (let word = 0; word < 4; word++) {
    batch.srcAddr[target + word] = batch.dstAddr[base + word] ?? 0;
    batch.dstAddr[target + word] = batch.srcAddr[base + word] ?? 0;
    batch.postNatSrcAddr[target + word] = batch.postNatDstAddr[base + word] ?? 0;
    batch.postNatDstAddr[target + word] = batch.postNatSrcAddr[base + word] ?? 0;
  }
  batch.observationDomain[reverse] = batch.observationDomain[row] ?? 0;
  batch.source[reverse] = batch.source[row] ?? 0;
  batch.inIf[reverse] = batch.outIf[row] ?? 0;
  batch.outIf[reverse] = batch.inIf[row] ?? 0;
  batch.ipVersion[reverse] = batch.ipVersion[row] ?? 0;
  batch.srcPort[reverse] = batch.dstPort[row] ?? 0;
  batch.dstPort[reverse] = batch.srcPort[row] ?? 0;
  batch.protocol[reverse] = batch.protocol[row] ?? 0;
  batch.tcpFlags[reverse] = reverseTcpFlags;
  batch.tos[reverse] = batch.tos[row] ?? 0;
  batch.srcAs[reverse] = batch.dstAs[row] ?? 0;
  batch.dstAs[reverse] = batch.srcAs[row] ?? 0;
  batch.srcMaskLen[reverse] = batch.dstMaskLen[row] ?? 0;
  batch.dstMaskLen[reverse] = batch.srcMaskLen[row] ?? 0;
  batch.postNatSrcPort[reverse] = batch.postNatDstPort[row] ?? 0;
  batch.postNatDstPort[reverse] = batch.postNatSrcPort[row] ?? 0;
  batch.inVrf[reverse] = batch.outVrf[row] ?? 0;
  batch.outVrf[reverse] = batch.inVrf[row] ?? 0;
  batch.sampledBytes[reverse] = reverseBytes;
  batch.sampledPackets[reverse] = reversePackets;
  batch.samplingRate[reverse] = batch.samplingRate[row] ?? 1;
  batch.samplingRateKnown[reverse] = batch.samplingRateKnown[row] ?? 0;
  // flowDirection is the observation point's view of the forward flow; the reverse has none.
  const extra = batch.extra[row];
  if (extra !== undefined) batch.setExtraJson(reverse, extra);
}
