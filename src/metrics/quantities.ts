// How metrics-server prints what it measured: cpu as a DecimalSI quantity of nanocores (canonical form,
// "1500000n" → "1500u", "250000000n" → "250m"), memory as a BinarySI quantity of bytes ("123456Ki"), and the
// window as a Go time.Duration string ("15.003s"), as metav1.Duration marshals it.
import { formatQuantity } from '../api/validation/quantity';

/** Nanocores (rounded to an integer) as Quantity.String() of resource.NewScaledQuantity(n, resource.Nano). */
export function cpuQuantity(nanoCores: number): string {
  const n = BigInt(Math.max(0, Math.round(nanoCores)));
  return formatQuantity({ num: n, den: 1_000_000_000n, format: 'DecimalSI' });
}

/** Bytes as Quantity.String() of resource.NewQuantity(bytes, resource.BinarySI). */
export function memoryQuantity(bytes: number): string {
  return formatQuantity({ num: BigInt(Math.max(0, Math.round(bytes))), den: 1n, format: 'BinarySI' });
}

function trimFraction(whole: bigint, frac: bigint, digits: number): string {
  if (frac === 0n) return String(whole);
  const f = frac.toString().padStart(digits, '0').replace(/0+$/, '');
  return `${whole}.${f}`;
}

/** A duration in milliseconds as Go's time.Duration.String() prints it (to the nanosecond). */
export function goDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${trimFraction(ns / 1000n, ns % 1000n, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${trimFraction(ns / 1_000_000n, ns % 1_000_000n, 6)}ms`;
  const h = ns / 3_600_000_000_000n;
  const m = (ns / 60_000_000_000n) % 60n;
  const sNs = ns % 60_000_000_000n;
  const s = trimFraction(sNs / 1_000_000_000n, sNs % 1_000_000_000n, 9);
  if (h > 0n) return `${sign}${h}h${m}m${s}s`;
  if (m > 0n) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
