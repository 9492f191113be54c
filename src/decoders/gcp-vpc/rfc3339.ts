/**
 * RFC 3339 §5.6 date-time text to epoch milliseconds, by arithmetic, not `Date.parse`.
 *
 * Why not `Date.parse`: GCP writes nanoseconds (`2025-09-27T21:34:39.250342106Z`, Cloud Logging's
 * Timestamp JSON form), which ECMA-262 §21.4.3.2 does not define: engines may reject it, round it
 * or read it as local time. Here the fraction is truncated to the millisecond (toward the past,
 * like the integer division of a protobuf Timestamp's nanos), so the same text always gives the
 * same millisecond on every engine.
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T`/`t`/space between date and time,
 * `z` for `Z`, and ` UTC` for `Z` (BigQuery's JSON form of a TIMESTAMP). A leap second (`:60`,
 * allowed by RFC 3339 §5.6) is the next second: epoch time has no leap seconds.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz]| UTC)|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_DAY = 86_400_000;

/** Epoch ms of `text`, or undefined when it is not an RFC 3339 date-time. */
export function parseRfc3339Ms(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = match[7] ?? "";
  const millis = fraction === "" ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (match[9] === "-" ? -1 : 1);
  }
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis
  );
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms", days_from_civil): exact for every year, no `Date` and its 0–99 year quirk.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
