/**
 * Per-frame outcomes the reader counts instead of reporting one issue per frame (a multi-GB
 * capture of mixed traffic would otherwise produce millions of issues).
 */
export const CAPTURE_COUNTER_NAMES = [
  /** Packet records or blocks holding a frame. */
  "frames",
  /** Frames that yielded a complete UDP datagram. */
  "udpDatagrams",
  /** Frames whose link layer carries something other than IPv4/IPv6 (ARP, LLDP…). */
  "notIp",
  /** IP packets that are not UDP (TCP, ICMP, ESP…). */
  "notUdp",
  /** IPv4 or IPv6 fragments: reassembly is out of scope, flow exports rarely fragment. */
  "ipFragments",
  /** Frames cut by the snap length before the end of their UDP datagram. */
  "truncatedFrames",
  /** IP headers with a wrong version nibble, header length or total length. */
  "badIpHeaders",
  /** UDP length below 8 or beyond the IP packet. */
  "badUdpLengths",
  /** Frames on an interface whose link type the reader does not know. */
  "unsupportedLinkType",
  /** pcapng packet blocks that name an interface no IDB described. */
  "unknownInterface",
] as const;
export type CaptureCounterName = (typeof CAPTURE_COUNTER_NAMES)[number];
export type CaptureCounters = Record<CaptureCounterName, number>;

export function newCaptureCounters(): CaptureCounters {
  return {
    frames: 0,
    udpDatagrams: 0,
    notIp: 0,
    notUdp: 0,
    ipFragments: 0,
    truncatedFrames: 0,
    badIpHeaders: 0,
    badUdpLengths: 0,
    unsupportedLinkType: 0,
    unknownInterface: 0,
  };
}
