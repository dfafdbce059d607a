// A small TTL cache of upstream answers (positive and negative), bounded by entry count. Entries
// expire at the smallest TTL of their records, capped by maxTtl; eviction is oldest-inserted first
// (a Map keeps insertion order), which is enough for a per-node forwarder in front of real resolvers.
import type { Clock } from '../client';
import { RCode, RRType, type DnsMessage, type ResourceRecord } from './wire';

interface Entry { msg: DnsMessage; storedAt: number; expiresAt: number }

export interface AnswerCache {
  get(key: string): DnsMessage | undefined;
  put(key: string, msg: DnsMessage): void;
  size(): number;
}

export function cacheKey(name: string, type: number, cls: number): string {
  return `${name.toLowerCase().replace(/\.$/, '')}|${type}|${cls}`;
}

/** Seconds this answer may be cached for: the smallest record TTL (SOA minimum for negative answers). */
export function cacheTtl(msg: DnsMessage, maxTtl: number): number {
  if (msg.rcode !== RCode.NOERROR && msg.rcode !== RCode.NXDOMAIN) return 0;
  const records = [...msg.answers, ...msg.authorities].filter((rr) => rr.type !== RRType.OPT);
  if (msg.answers.length === 0) {
    const soa = msg.authorities.find((rr) => rr.data.kind === 'SOA');
    if (!soa || soa.data.kind !== 'SOA') return 0; // RFC 2308: no SOA, no negative caching
    return Math.min(maxTtl, soa.ttl, soa.data.minimum);
  }
  return Math.min(maxTtl, ...records.map((rr) => rr.ttl));
}

export function createAnswerCache(opts: { clock: Clock; maxEntries?: number; maxTtl?: number }): AnswerCache {
  const max = opts.maxEntries ?? 10_000;
  const maxTtl = opts.maxTtl ?? 30;
  const entries = new Map<string, Entry>();
  const age = (rr: ResourceRecord, secs: number): ResourceRecord => (rr.type === RRType.OPT ? rr : { ...rr, ttl: Math.max(0, rr.ttl - secs) });
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      const now = opts.clock.now();
      if (now >= e.expiresAt) {
        entries.delete(key);
        return undefined;
      }
      const secs = Math.floor((now - e.storedAt) / 1000);
      return {
        ...e.msg,
        answers: e.msg.answers.map((rr) => age(rr, secs)),
        authorities: e.msg.authorities.map((rr) => age(rr, secs)),
        additionals: e.msg.additionals.map((rr) => age(rr, secs)),
      };
    },
    put(key, msg) {
      const ttl = cacheTtl(msg, maxTtl);
      if (ttl <= 0) return;
      entries.delete(key);
      while (entries.size >= max) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      const now = opts.clock.now();
      // Served TTLs never exceed the time we keep the entry (so clients do not outlive our view).
      const clamp = (rr: ResourceRecord): ResourceRecord => (rr.type === RRType.OPT || rr.ttl <= ttl ? rr : { ...rr, ttl });
      const stored = { ...msg, answers: msg.answers.map(clamp), authorities: msg.authorities.map(clamp), additionals: msg.additionals.map(clamp) };
      entries.set(key, { msg: stored, storedAt: now, expiresAt: now + ttl * 1000 });
    },
    size: () => entries.size,
  };
}
