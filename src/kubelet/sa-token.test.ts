// The kubelet's service-account token manager and the projected-volume hook, against a real in-process API
// server (TokenRequest is the contract), with a fake clock deciding when a refresh is due.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, FakeClock, Resources, type Client, type KubeObject } from '../client';
import { startTestServer, type TestServer } from '../../test/support/server';
import type { ConfigSource } from './env';
import { createServiceAccountTokenManager, requiresRefresh, type ServiceAccountTokenSource } from './sa-token';
import type { Pod } from './types';
import { setUpVolumes, VolumeError, type VolumeHost } from './volumes';

function claims(token: string): { aud: string[]; exp: number; iat: number; 'kubernetes.io': { pod?: { name: string; uid: string } } } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as ReturnType<typeof claims>;
}

describe('requiresRefresh', () => {
  it('refreshes past 80% of the lifetime or after 24 h', () => {
    const hour = 3600_000;
    const cases: Array<{ name: string; ttlMs: number; at: number; want: boolean }> = [
      { name: 'fresh', ttlMs: hour, at: 0.1 * hour, want: false },
      { name: 'at 79%', ttlMs: hour, at: 0.79 * hour, want: false },
      { name: 'at 81%', ttlMs: hour, at: 0.81 * hour, want: true },
      { name: '48 h token after 24 h', ttlMs: 48 * hour, at: 24.1 * hour, want: true },
      { name: '48 h token after 20 h', ttlMs: 48 * hour, at: 20 * hour, want: false },
    ];
    for (const c of cases) {
      const got = requiresRefresh({ expiresAt: c.ttlMs, ttlMs: c.ttlMs, jitterMs: 0 }, c.at);
      assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
    }
  });
});

describe('service-account token projection against the API server', () => {
  let srv: TestServer;
  let client: Client;
  let pod: Pod;
  before(async () => {
    srv = await startTestServer();
    client = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token });
    await client.resource(Resources.serviceaccounts).create('default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } });
    const created = await client.resource<KubeObject & { spec: unknown }>(Resources.pods).create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'x' }] } });
    pod = { metadata: { name: 'p', namespace: 'default', uid: created.metadata!.uid! }, spec: { serviceAccountName: 'app', containers: [] } };
  });
  after(async () => {
    client.close();
    await srv.stop();
  });

  async function review(token: string, audience: string): Promise<{ authenticated: boolean; user?: { username: string } }> {
    const r = await client.request<{ status: { authenticated: boolean; user?: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } });
    return r.status;
  }

  it('requests a pod-bound token, reuses it, and refreshes it at 80% of its lifetime', async () => {
    const clock = new FakeClock(Date.now());
    const m = createServiceAccountTokenManager({ client, clock, random: () => 0 });
    const t1 = await m.token(pod, 'vault', 600);
    const c1 = claims(t1);
    assert.deepEqual(c1.aud, ['vault'], `aud got ${JSON.stringify(c1.aud)}`);
    assert.equal(c1.exp - c1.iat, 600, `lifetime got ${c1.exp - c1.iat}, want 600`);
    assert.deepEqual(c1['kubernetes.io'].pod, { name: 'p', uid: pod.metadata.uid }, `pod claim got ${JSON.stringify(c1['kubernetes.io'].pod)}`);
    const rv = await review(t1, 'vault');
    assert.equal(rv.user?.username, 'system:serviceaccount:default:app', `review got ${JSON.stringify(rv)}`);
    clock.advance(400_000); // 67%
    assert.equal(await m.token(pod, 'vault', 600), t1, 'token replaced before 80% of its lifetime');
    clock.advance(100_000); // 83%
    const t2 = await m.token(pod, 'vault', 600);
    assert.notEqual(t2, t1, 'token not refreshed after 80% of its lifetime');
    assert.notEqual(claims(t2)['kubernetes.io'], undefined, 'refreshed token lacks the kubernetes.io claim');
  });

  it('setUpVolumes writes the token at its path; a missing service account is a mount error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sa-vol-'));
    try {
      const tokens: ServiceAccountTokenSource = createServiceAccountTokenManager({ client });
      const events: string[] = [];
      const host: VolumeHost = { podDir: (uid) => join(root, uid), isRoot: false, event: (_p, _t, r) => events.push(r), tokens };
      const src: ConfigSource = { configMap: () => Promise.resolve({ data: { 'ca.crt': 'CA' } }), secret: () => Promise.resolve(undefined), services: () => [] };
      const withVolume: Pod = {
        ...pod,
        spec: {
          ...pod.spec,
          volumes: [{ name: 'kube-api-access-x', projected: { defaultMode: 0o644, sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ] } }],
        },
      };
      const dirs = await setUpVolumes(withVolume, host, src, { pod: withVolume, hostIP: '127.0.0.1', nodeAllocatable: { cpu: 1, memory: 1 } });
      const dir = dirs.get('kube-api-access-x')!;
      const token = readFileSync(join(dir, 'token'), 'utf8');
      assert.equal((await review(token, 'https://kubernetes.default.svc.cluster.local')).authenticated, true, 'the projected token does not authenticate to the API');
      assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), 'CA', 'ca.crt not projected beside the token');
      assert.deepEqual(events, [], `events got ${JSON.stringify(events)}, want none`);

      const orphan: Pod = { ...withVolume, spec: { ...withVolume.spec, serviceAccountName: 'nobody' } };
      await assert.rejects(setUpVolumes(orphan, host, src, { pod: orphan, hostIP: '127.0.0.1', nodeAllocatable: { cpu: 1, memory: 1 } }),
        (e: unknown) => e instanceof VolumeError && /failed to fetch token for service account "nobody"/.test(e.message), 'want a VolumeError naming the service account');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
