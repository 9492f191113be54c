export {
  PacketHeader,
  parsePacket,
  PACKET_START,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  VXLAN_PORT,
} from "./packet-header.ts";
export type { PacketStart } from "./packet-header.ts";
