// resource.Quantity: parsing, exact comparison and canonical printing (k8s.io/apimachinery/pkg/api/resource).
// Values are held exactly as mantissa * 10^exp10 * 2^exp2 with a BigInt mantissa.

export const QUANTITY_REGEX_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value = num / den exactly, den a power of ten (or 1). */
  num: bigint;
  den: bigint;
  format: Format;
}

const numberRe = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const decimalSuffix: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffix: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const exponentRe = /^[eE]([-+]?\d+)$/;
const splitRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a JSON quantity (string or number); undefined when it is not a valid quantity. */
export function parseQuantity(v: unknown): Quantity | undefined {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    s = String(v);
    if (s.includes('e')) s = s.replace('e+', 'e');
  } else if (typeof v === 'string') s = v.trim() === v ? v : '';
  else return undefined;
  const m = splitRe.exec(s);
  if (!m) return undefined;
  const numPart = m[1] ?? '';
  const suffix = m[2] ?? '';
  const nm = numberRe.exec(numPart);
  if (!nm) return undefined;
  const intDigits = nm[2] ?? '';
  const fracDigits = nm[3] ?? '';
  if (intDigits === '' && fracDigits === '') return undefined;
  const sign = nm[1] === '-' ? -1n : 1n;
  let num = BigInt((intDigits || '0') + fracDigits) * sign;
  let den = pow10(fracDigits.length);
  let format: Format;
  if (suffix in decimalSuffix) {
    format = 'DecimalSI';
    const e = decimalSuffix[suffix] ?? 0;
    if (e >= 0) num *= pow10(e);
    else den *= pow10(-e);
  } else if (suffix in binarySuffix) {
    format = 'BinarySI';
    num *= 2n ** BigInt(binarySuffix[suffix] ?? 0);
  } else {
    const em = exponentRe.exec(suffix);
    if (!em) return undefined;
    format = 'DecimalExponent';
    const e = Number(em[1]);
    if (Math.abs(e) > 100) return undefined;
    if (e >= 0) num *= pow10(e);
    else den *= pow10(-e);
  }
  return { num, den, format };
}

/** -1, 0, 1 like Quantity.Cmp. */
export function cmpQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
export function isNegative(q: Quantity): boolean {
  return q.num < 0n;
}
export function isZero(q: Quantity): boolean {
  return q.num === 0n;
}
/** MilliValue() % 1000 == 0 check for integer resources. */
export function isWhole(q: Quantity): boolean {
  return (q.num * 1000n) / q.den % 1000n === 0n;
}
/** Approximate numeric value (for ratios and scheduling arithmetic, not for comparisons). */
export function quantityToNumber(q: Quantity): number {
  return Number(q.num) / Number(q.den);
}

const decimalOut: Array<[number, string]> = [
  [18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm'], [-6, 'u'], [-9, 'n'],
];
const binaryOut: Array<[bigint, string]> = [
  [2n ** 60n, 'Ei'], [2n ** 50n, 'Pi'], [2n ** 40n, 'Ti'], [2n ** 30n, 'Gi'], [2n ** 20n, 'Mi'], [2n ** 10n, 'Ki'],
];

/** Canonical form as Quantity.String() prints it (e.g. "0.5" -> "500m", "1536Mi" stays, "1000" -> "1k"). */
export function formatQuantity(q: Quantity): string {
  const neg = q.num < 0n;
  const abs = neg ? -q.num : q.num;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const isInt = abs % q.den === 0n;
    const v = abs / q.den;
    if (!isInt || v < 1024n) format = 'DecimalSI';
    else {
      for (const [mult, suf] of binaryOut) if (v % mult === 0n) return `${sign}${v / mult}${suf}`;
      return `${sign}${v}`;
    }
  }
  // Smallest representable unit is 1n: round up below it, as Go does.
  let nanos = (abs * pow10(9)) / q.den;
  if ((abs * pow10(9)) % q.den !== 0n) nanos += 1n;
  if (format === 'DecimalExponent') {
    let exp = -9;
    let m = nanos;
    while (m % 10n === 0n && m !== 0n) {
      m /= 10n;
      exp++;
    }
    // Exponents are printed in multiples of 3.
    while (((exp % 3) + 3) % 3 !== 0) {
      m *= 10n;
      exp--;
    }
    return exp === 0 ? `${sign}${m}` : `${sign}${m}e${exp}`;
  }
  for (const [e, suf] of decimalOut) {
    const unit = pow10(e + 9);
    if (nanos % unit === 0n) return `${sign}${nanos / unit}${suf}`;
  }
  return `${sign}${nanos}n`;
}

/** Splits a raw quantity into (valid?) for messages: returns the canonical string or the raw text. */
export function quantityString(v: unknown): string {
  const q = parseQuantity(v);
  return q ? formatQuantity(q) : typeof v === 'string' ? v : String(v);
}
