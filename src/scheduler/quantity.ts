// Resource quantities as plain numbers: cpu in millicores, everything else in base units (bytes, counts),
// rounded up like resource.Quantity's MilliValue()/Value().

const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};
const RE = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

/** The quantity's value in base units, or NaN when it does not parse. */
export function quantityValue(v: string | number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = RE.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** The amount of resource `name` in scheduler units: millicores for cpu, ceil'd base units otherwise. */
export function resourceAmount(name: string, v: string | number | undefined): number {
  const x = quantityValue(v);
  if (!Number.isFinite(x)) return 0;
  return name === 'cpu' ? Math.ceil(Math.round(x * 1e6) / 1e3) : Math.ceil(Math.round(x * 1e3) / 1e3);
}

/** Human form for messages: cpu as millicores, bytes as-is. */
export function formatAmount(name: string, n: number): string {
  return name === 'cpu' ? `${n}m` : String(n);
}
