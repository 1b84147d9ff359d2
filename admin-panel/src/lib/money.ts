// Exact money for display and input. Amounts are integer micro-USD; all arithmetic here is on
// BigInt or on decimal strings, so nothing is rounded by binary floating point.

const MICROS_PER_USD = BigInt(1_000_000);
const USD_RE = /^\d{1,9}(\.\d{1,6})?$/;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 1234567 -> "$1.234567", 1500000 -> "$1.50", -250 -> "-$0.00025". */
export function formatMicros(micros: number | bigint | null | undefined): string {
  if (micros === null || micros === undefined) return "—";
  const value = BigInt(micros);
  const sign = value < BigInt(0) ? "-" : "";
  const abs = value < BigInt(0) ? -value : value;
  const whole = (abs / MICROS_PER_USD).toString();
  let fraction = (abs % MICROS_PER_USD).toString().padStart(6, "0").replace(/0+$/, "");
  fraction = fraction.padEnd(2, "0");
  return `${sign}$${groupThousands(whole)}.${fraction}`;
}

/** "12.5" (USD) -> 12500000n micro-USD; null when the text is not a plain non-negative amount. */
export function parseUsdToMicros(text: string): bigint | null {
  const trimmed = text.trim().replace(/^\$/, "");
  if (!USD_RE.test(trimmed)) return null;
  const [whole, fraction = ""] = trimmed.split(".");
  return BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(6, "0"));
}

/** The inverse of parseUsdToMicros, for prefilling an input: 12500000 -> "12.5". */
export function microsToUsdInput(micros: number | bigint): string {
  const value = BigInt(micros);
  const whole = (value / MICROS_PER_USD).toString();
  const fraction = (value % MICROS_PER_USD).toString().padStart(6, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * A decimal string without an exponent: the API's Decimals may come as "1E+1" (10) or "1.5E-7".
 * Only the decimal point moves; no digit is recomputed.
 */
export function plainDecimal(value: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.trim());
  if (!match || (!match[2] && !match[3])) return value;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  }
  digits = digits.padEnd(point, "0");
  const head = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const tail = digits.slice(point);
  return `${sign === "-" ? "-" : ""}${head}${tail ? `.${tail}` : ""}`;
}

/** A decimal string as the API returns prices ("0.15") shown as USD ("$0.15"). */
export function formatUsdDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const [whole, fraction = ""] = plainDecimal(value).split(".");
  const trimmed = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `$${groupThousands(whole)}.${trimmed}`;
}

/** True for a non-negative decimal string with at most `maxDecimals` decimals, e.g. "2.5". */
export function isDecimalString(text: string, maxDecimals = 6): boolean {
  return new RegExp(`^\\d{1,12}(\\.\\d{1,${maxDecimals}})?$`).test(text.trim());
}

/** Compare two non-negative decimal strings without floats: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const [aw, af = ""] = plainDecimal(a).split(".");
  const [bw, bf = ""] = plainDecimal(b).split(".");
  const width = Math.max(af.length, bf.length);
  const av = BigInt(aw + af.padEnd(width, "0"));
  const bv = BigInt(bw + bf.padEnd(width, "0"));
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** "12.5 %" from "12.50"; trailing zeros dropped. */
export function formatPercent(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const [whole, fraction = ""] = plainDecimal(value).split(".");
  const trimmed = fraction.replace(/0+$/, "");
  return `${whole}${trimmed ? "." + trimmed : ""}%`;
}

/** Margin as a percentage of client cost, one decimal, from integer micros. */
export function marginPercent(marginMicros: number, clientMicros: number): string {
  if (!clientMicros) return "—";
  const tenths = (BigInt(marginMicros) * BigInt(1000)) / BigInt(clientMicros);
  const sign = tenths < BigInt(0) ? "-" : "";
  const abs = tenths < BigInt(0) ? -tenths : tenths;
  return `${sign}${abs / BigInt(10)}.${abs % BigInt(10)}%`;
}

/** USD as a number, for chart axes only (display; never sent anywhere). */
export function microsToChartUsd(micros: number): number {
  return micros / 1_000_000;
}
