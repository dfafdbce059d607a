// Cluster IP and NodePort allocation for Services. Each allocated value is a key in the store
// (`/registry/berth/serviceips/<ip>`, `/registry/berth/nodeports/<port>`) created only if absent, so two
// API servers on one etcd can never hand out the same address (the role upstream's IPAddress objects play).
import type { Store } from '../../store/types';
import { KeyExistsError, KeyNotFoundError } from '../../store/errors';

export interface ServiceCidr {
  base: number; // network address as uint32
  size: number; // number of addresses
  cidr: string;
}

export function parseCidr(cidr: string): ServiceCidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: expected an IPv4 CIDR such as 10.43.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: prefix length must be 8..30`);
  const ip = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  const size = 2 ** (32 - bits);
  const base = ip - (ip % size);
  return { base, size, cidr };
}

export function ipToString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

export class AllocationError extends Error {
  override name = 'AllocationError';
}

export class Allocator {
  constructor(
    private readonly store: Store,
    readonly cidr: ServiceCidr,
    readonly nodePortRange: { min: number; max: number } = { min: 30000, max: 32767 },
    private readonly rand: () => number = Math.random,
  ) {}

  /** The n-th address of the range (1 = the `kubernetes` service, 10 = cluster DNS). */
  nth(n: number): string {
    return ipToString(this.cidr.base + n);
  }

  private async claim(key: string, owner: string): Promise<boolean> {
    try {
      await this.store.create(key, Buffer.from(owner));
      return true;
    } catch (e) {
      if (e instanceof KeyExistsError) {
        const r = await this.store.range(key);
        return r.kvs[0]?.value.toString() === owner; // already ours (a retried create)
      }
      throw e;
    }
  }

  /** Allocates `ip` (validated to be in range) or a random free one. `owner` is `<ns>/<name>`. */
  async allocateIp(owner: string, ip?: string): Promise<string> {
    if (ip !== undefined) {
      const n = ipToNumber(ip);
      if (n === undefined || n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
        throw new AllocationError(`failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.cidr}`);
      }
      if (!(await this.claim(`/registry/berth/serviceips/${ip}`, owner))) throw new AllocationError(`failed to allocate IP ${ip}: provided IP is already allocated`);
      return ip;
    }
    const usable = this.cidr.size - 2;
    const start = Math.floor(this.rand() * usable);
    for (let i = 0; i < Math.min(usable, 4096); i++) {
      const off = 1 + ((start + i * 7919) % usable);
      if (off === 1 || off === 10) continue; // reserved for kubernetes and kube-dns
      const cand = ipToString(this.cidr.base + off);
      if (await this.claim(`/registry/berth/serviceips/${cand}`, owner)) return cand;
    }
    throw new AllocationError(`failed to allocate a serviceIP: range is full (${this.cidr.cidr})`);
  }

  async allocateNodePort(owner: string, port?: number): Promise<number> {
    const { min, max } = this.nodePortRange;
    if (port !== undefined) {
      if (port < min || port > max) throw new AllocationError(`provided port is not in the valid range. The range of valid ports is ${min}-${max}`);
      if (!(await this.claim(`/registry/berth/nodeports/${port}`, owner))) throw new AllocationError('provided port is already allocated');
      return port;
    }
    const n = max - min + 1;
    const start = Math.floor(this.rand() * n);
    for (let i = 0; i < n; i++) {
      const cand = min + ((start + i) % n);
      if (await this.claim(`/registry/berth/nodeports/${cand}`, owner)) return cand;
    }
    throw new AllocationError(`range is full (${min}-${max})`);
  }

  async release(kind: 'ip' | 'port', value: string | number): Promise<void> {
    const key = kind === 'ip' ? `/registry/berth/serviceips/${value}` : `/registry/berth/nodeports/${value}`;
    try {
      await this.store.delete(key);
    } catch (e) {
      if (!(e instanceof KeyNotFoundError)) throw e;
    }
  }
}
