// Fuzz: random and mutated bodies, paths and query strings against every resource endpoint of a real
// in-process server. Invariants: never a 5xx, the server keeps answering, and a refused request writes
// nothing (the stored objects, outside the allocator's bookkeeping, are exactly as before).
import assert from 'node:assert/strict';
import { request, Agent } from 'node:https';
import { after, before, test } from 'node:test';
import { RESOURCES, groupVersion } from '../api/resources';
import { prefixEnd } from '../store/types';
import { startTestServer, type TestServer } from '../../test/support/server';

let s: TestServer;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function call(method: string, path: string, body: Buffer | undefined, contentType: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${s.token}`, 'Content-Type': contentType };
    if (body) headers['Content-Length'] = String(body.length);
    const req = request(new URL(path, s.url), { method, agent, ca: s.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A deterministic PRNG so a failure can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: Record<string, unknown> = {
  Pod: { spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'], ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'b' }], resources: { requests: { cpu: '10m' } } }] } },
  Deployment: { spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
  Service: { spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 8080 }], type: 'NodePort' } },
  ConfigMap: { data: { a: 'b' } },
  Job: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } },
};

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 1e12);
    case 3: return r() * 1e308 * (r() < 0.5 ? -1 : 1);
    case 4: return ['', 'x', 'Bad_Name', '-', '1', 'a'.repeat(300), '\u0000', '🙂', '10.43.0.5', '30080', 'IfNotPresent'][Math.floor(r() * 11)];
    case 5: return {};
    case 6: return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, (_, i) => [['name', 'spec', 'metadata', 'x', 'items', 'containers'][i % 6]!, randomValue(r, depth + 1)]));
    default: return String(r());
  }
}

/** Replaces a random node of `v` with a random value (or deletes it). */
function mutate(v: unknown, r: () => number): unknown {
  if (v === null || typeof v !== 'object') return r() < 0.7 ? randomValue(r) : v;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || r() < 0.15) return randomValue(r);
  const key = keys[Math.floor(r() * keys.length)]!;
  const target = copy as Record<string, unknown>;
  if (r() < 0.2) delete target[key];
  else target[key] = mutate(target[key], r);
  return copy;
}

async function snapshot(): Promise<string> {
  const res = await s.store.range('/registry/', { end: prefixEnd('/registry/') });
  return res.kvs.filter((kv) => !kv.key.startsWith('/registry/berth/') && !kv.key.startsWith('/registry/events/')).map((kv) => `${kv.key}@${kv.modRevision}`).join('\n');
}

before(async () => {
  s = await startTestServer();
});
after(async () => {
  agent.destroy();
  await s.stop();
});

test('fuzzed requests never get a 5xx and refused ones change nothing', async () => {
  const r = mulberry32(20261122);
  const served = RESOURCES.filter((x) => !x.virtual);
  const failures: string[] = [];
  const rounds = 1500;
  const codes = new Map<number, number>();
  for (let i = 0; i < rounds; i++) {
    const res = served[Math.floor(r() * served.length)]!;
    const gv = groupVersion(res);
    const base = res.group === '' ? `/api/${res.version}` : `/apis/${gv}`;
    const ns = res.namespaced ? `/namespaces/${r() < 0.9 ? 'default' : ['nope', 'Bad_NS', '%00', '..'][Math.floor(r() * 4)]}` : '';
    const name = r() < 0.5 ? 'x1' : ['x1', 'Bad_Name', 'a'.repeat(300), '', '%2F', 'x1/status', 'x1/scale', 'x1/binding'][Math.floor(r() * 8)]!;
    const path = `${base}${ns}/${res.plural}${name ? `/${name}` : ''}${r() < 0.2 ? `?${['fieldValidation=Nope', 'dryRun=Some', 'limit=-1', 'labelSelector=a%20in%20(', 'fieldSelector=bad', 'watch=maybe', 'resourceVersion=abc', 'continue=zzz', 'gracePeriodSeconds=x', 'propagationPolicy=Sideways'][Math.floor(r() * 10)]}` : ''}`;
    const method = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'][Math.floor(r() * 5)]!;
    const seed = { apiVersion: gv, kind: res.kind, metadata: { name: 'x1', labels: { a: 'b' } }, ...(SEEDS[res.kind] as object | undefined) };
    let body: Buffer | undefined;
    const shape = r();
    if (method === 'GET') body = undefined;
    else if (shape < 0.3) body = Buffer.from(JSON.stringify(seed));
    else if (shape < 0.5) body = Buffer.from(JSON.stringify(mutate(mutate(seed, r), r)));
    else if (shape < 0.6) body = Buffer.from(JSON.stringify(seed).slice(0, Math.floor(r() * 60)));
    else if (shape < 0.7) body = Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256)));
    else if (shape < 0.75) body = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    else if (shape < 0.8) body = Buffer.from(JSON.stringify([{ op: ['add', 'remove', 'replace', 'move', 'copy', 'test', 'nope'][Math.floor(r() * 7)], path: ['/spec', '/metadata/name', '/x/-', '', '/~2'][Math.floor(r() * 5)], value: randomValue(r), from: '/metadata' }]));
    else if (shape < 0.85) body = Buffer.from('a: [b\n  - : :');
    else body = Buffer.from(JSON.stringify(mutate(seed, r)));
    const ct = method === 'PATCH'
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/json', 'text/plain'][Math.floor(r() * 6)]!
      : r() < 0.6 ? 'application/json' : ['application/yaml', 'application/vnd.kubernetes.protobuf', 'text/plain'][Math.floor(r() * 3)]!;
    if (method === 'POST' && r() < 0.5) {
      // make sure an object exists for the next requests to hit, through the create path
      await call('POST', `${base}${res.namespaced ? '/namespaces/default' : ''}/${res.plural}`, Buffer.from(JSON.stringify(seed)), 'application/json');
    }
    const patchQuery = method === 'PATCH' && ct.startsWith('application/apply') ? `${path.includes('?') ? '&' : '?'}fieldManager=fuzz` : '';
    const before = await snapshot();
    let out: { code: number; body: string };
    try {
      out = await call(method, path + patchQuery, body, ct);
    } catch (e) {
      failures.push(`round ${i}: ${method} ${path} (${ct}) failed at the transport: ${String(e)}`);
      break;
    }
    codes.set(out.code, (codes.get(out.code) ?? 0) + 1);
    if (out.code >= 500) failures.push(`round ${i}: ${method} ${path} (${ct}) → ${out.code} ${out.body.slice(0, 300)}`);
    if (out.code >= 400) {
      const after = await snapshot();
      if (after !== before) failures.push(`round ${i}: ${method} ${path} (${ct}) → ${out.code} but the store changed`);
    }
    if (failures.length >= 10) break;
  }
  assert.deepEqual(failures, [], `fuzz failures:\n${failures.join('\n')}`);
  // The fuzz must reach the write paths, not only the decoders: some requests succeed.
  const ok = [...codes].filter(([c]) => c >= 200 && c < 300).reduce((n, [, k]) => n + k, 0);
  assert.ok(ok >= rounds * 0.05, `only ${ok} of ${rounds} requests succeeded: ${JSON.stringify([...codes])}`);
  const v = await call('GET', '/version', undefined, 'application/json');
  assert.equal(v.code, 200, 'the server still answers');
});
