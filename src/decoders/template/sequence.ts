/** Expected next sequence number of one (exporter, domain) stream. */
export interface SequenceTrack {
  next: number;
  /** False when the last message held records we could not count (IPFIX): resync next time. */
  countable: boolean;
}

/**
 * Lost export packets (v9) or data records (IPFIX) inferred from one message's sequence number.
 *
 * v9 (RFC 3954 §5.1): the sequence increments by one per export packet; IPFIX (RFC 7011 §3.1):
 * it is the count of data records sent before this message, per observation domain. Both wrap
 * at 2^32, so the difference is taken modulo 2^32 and read as signed. A jump forward within
 * `maxGap` counts as loss; a step back within `maxGap` is a late (reordered) message and moves
 * nothing; anything larger is an exporter restart and resynchronises without counting.
 * Returns the gap counted (0 when none) and updates `track` in place.
 */
export function advanceSequence(
  track: SequenceTrack,
  sequence: number,
  advance: number,
  countable: boolean,
  maxGap: number,
): number {
  let gap = 0;
  if (track.countable) {
    const difference = (sequence - track.next) | 0;
    if (difference > 0 && difference <= maxGap) gap = difference;
    else if (difference < 0 && difference >= -maxGap) return 0;
  }
  track.next = (sequence + advance) >>> 0;
  track.countable = countable;
  return gap;
}
