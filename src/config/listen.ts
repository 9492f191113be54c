/** A listening address: host (IPv4, IPv6 without brackets, or a name) and port. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces). Returns the address or a
 * sentence saying what is wrong and how to write it.
 */
export function parseHostPort(text: string): HostPort | string {
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:\s[\]]*):(\d{1,5})$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) {
    return `"${text}" is not HOST:PORT: write e.g. 127.0.0.1:8080, 0.0.0.0:2055 or [::]:2055`;
  }
  const port = Number(match[2]);
  if (port > 65535) return `"${text}": port ${port} is above 65535`;
  const host = match[1] === "" || match[1] === undefined ? "0.0.0.0" : match[1];
  return { host, port };
}

/** `HOST:PORT` text for display, with brackets around IPv6 hosts. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
