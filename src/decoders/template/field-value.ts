/**
 * The `extra` value of an enterprise field: fixed-length integers of up to 6 bytes as numbers (exact below
 * 2^48), printable ASCII (trailing NULs trimmed, as exporters pad fixed-size strings) as text,
 * anything else as lowercase hex.
 */
export function fieldValue(
  view: DataView,
  offset: number,
  length: number,
  variable = false,
): number | string {
  // Variable-length fields are strings or octet arrays by definition (RFC 7011 §7), never numbers.
  if (!variable && length > 0 && length <= 6) {
    let value = 0;
    for (let index = 0; index < length; index++)
      value = value * 256 + view.getUint8(offset + index);
    return value;
  }
  let end = length;
  while (end > 0 && view.getUint8(offset + end - 1) === 0) end--;
  let printable = end > 0;
  for (let index = 0; index < end && printable; index++) {
    const byte = view.getUint8(offset + index);
    if (byte < 0x20 || byte > 0x7e) printable = false;
  }
  let text = "";
  if (printable) {
    for (let index = 0; index < end; index++)
      text += String.fromCharCode(view.getUint8(offset + index));
    return text;
  }
  for (let index = 0; index < length; index++) {
    text += view
      .getUint8(offset + index)
      .toString(16)
      .padStart(2, "0");
  }
  return text;
}
