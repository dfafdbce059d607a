// Scrapes every node's kubelet (`GET /stats/summary` over HTTPS with the API server's kubelet client
// certificate, as pods/log does) every `intervalMs` (metrics-server's --metric-resolution, default 15 s) and
// feeds the MetricsStore. All I/O is async; one round never overlaps the next, and a round's requests are
// bounded by a timeout below the interval, so a dead kubelet costs one timeout, never a blocked event loop.
import { request as httpsRequest } from 'node:https';
import { readSummary, type Summary } from './summary';
import type { MetricsStore } from './store';

export type Log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

export interface KubeletTarget {
  node: string;
  host: string;
  port: number;
}

/** Fetches one node's summary; rejects on any failure. Injected in tests. */
export type SummaryFetcher = (t: KubeletTarget, signal: AbortSignal) => Promise<Summary>;

export interface ScraperOptions {
  store: MetricsStore;
  /** The nodes to scrape now (read from the API server's node cache each round). */
  targets: () => KubeletTarget[];
  fetch: SummaryFetcher;
  intervalMs?: number;
  /** Per-request timeout (default: 90% of the interval, at most 10 s). */
  timeoutMs?: number;
  /** Most requests in flight at once. */
  concurrency?: number;
  now?: () => number;
  log?: Log;
}

export interface Scraper {
  /** Runs one round now: every target scraped, the store updated. */
  scrapeOnce(): Promise<void>;
  /** Starts the periodic loop (first round at once). */
  start(): void;
  stop(): void;
}

/**
 * The kubelet endpoint a Node object advertises: its InternalIP (every berth kubelet reports its node IP there)
 * and daemonEndpoints port (else 10250). Nodes without an InternalIP are not scraped (no DNS lookups of
 * Hostnames), nor hollow nodes (label berth.io/hollow=true: simulated, no kubelet behind the address).
 */
export function kubeletTarget(node: unknown): KubeletTarget | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as { metadata?: { name?: unknown; labels?: Record<string, string> }; status?: { addresses?: unknown; daemonEndpoints?: { kubeletEndpoint?: { Port?: unknown } } } };
  const name = n.metadata?.name;
  if (typeof name !== 'string' || n.metadata?.labels?.['berth.io/hollow'] === 'true') return undefined;
  const addrs = Array.isArray(n.status?.addresses) ? (n.status.addresses as Array<{ type?: unknown; address?: unknown }>) : [];
  const ip = addrs.find((x) => x.type === 'InternalIP' && typeof x.address === 'string' && x.address !== '');
  if (!ip) return undefined;
  const p = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const port = typeof p === 'number' && p > 0 ? p : 10250;
  return { node: name, host: String(ip.address), port };
}

/** The real fetcher: HTTPS with a client certificate; the kubelet's serving certificate is not verified (upstream's default). */
export function httpsSummaryFetcher(clientCert: { certPem: string; keyPem: string }, timeoutMs = 10_000): SummaryFetcher {
  return (t, signal) =>
    new Promise<Summary>((resolve, reject) => {
      const req = httpsRequest(
        { host: t.host, port: t.port, path: '/stats/summary', method: 'GET', cert: clientCert.certPem, key: clientCert.keyPem, rejectUnauthorized: false, signal, timeout: timeoutMs, headers: { Accept: 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(new Error(`the kubelet of node "${t.node}" answered ${res.statusCode ?? 0}: ${text.slice(0, 200)}`));
              return;
            }
            try {
              resolve(readSummary(JSON.parse(text) as unknown));
            } catch (e) {
              reject(new Error(`the kubelet of node "${t.node}" sent a bad summary: ${e instanceof Error ? e.message : String(e)}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (e) => reject(new Error(`cannot scrape the kubelet of node "${t.node}" at ${t.host}:${t.port}: ${e.message}`)));
      req.end();
    });
}

export function createScraper(o: ScraperOptions): Scraper {
  const intervalMs = o.intervalMs ?? 15_000;
  const timeoutMs = o.timeoutMs ?? Math.min(10_000, Math.max(100, Math.floor(intervalMs * 0.9)));
  const concurrency = o.concurrency ?? 16;
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  const failing = new Set<string>();
  let ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  const scrapeNode = async (t: KubeletTarget): Promise<void> => {
    const signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const s = await o.fetch(t, signal);
      if (ctl.signal.aborted) return;
      o.store.ingest(t.node, s, now());
      if (failing.delete(t.node)) log('info', `metrics: scraping node "${t.node}" works again`);
    } catch (e) {
      if (ctl.signal.aborted) return;
      o.store.dropNode(t.node);
      if (!failing.has(t.node)) log('warn', `metrics: ${e instanceof Error ? e.message : String(e)}`);
      failing.add(t.node);
    }
  };

  const round = async (): Promise<void> => {
    const targets = o.targets();
    const names = new Set(targets.map((t) => t.node));
    for (const n of o.store.nodeNames()) if (!names.has(n)) o.store.dropNode(n);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) await scrapeNode(targets[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  };

  const scrapeOnce = (): Promise<void> => {
    running ??= round().finally(() => (running = undefined));
    return running;
  };

  const loop = (): void => {
    if (stopped) return;
    const started = now();
    scrapeOnce()
      .catch((e: unknown) => log('error', `metrics: scrape round failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(loop, Math.max(0, intervalMs - (now() - started)));
        timer.unref();
      });
  };

  return {
    scrapeOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      ctl = new AbortController();
      loop();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      ctl.abort();
    },
  };
}
