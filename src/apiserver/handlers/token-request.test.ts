// serviceaccounts/token against a real in-process API server: issuing, authenticating with the token,
// invalidation when the bound objects go, TokenReview, and the OpenID discovery documents.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, ApiError, Resources, type Client, type KubeObject } from '../../client';
import { startTestServer, type TestServer } from '../../../test/support/server';

interface TokenRequest extends KubeObject {
  spec: { audiences?: string[]; expirationSeconds?: number };
  status: { token: string; expirationTimestamp: string };
}

describe('serviceaccounts/token against the API server', () => {
  let srv: TestServer;
  let admin: Client;
  const ns = 'default';
  before(async () => {
    srv = await startTestServer();
    admin = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token });
    await admin.resource(Resources.serviceaccounts).create(ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  });
  after(async () => {
    admin.close();
    await srv.stop();
  });

  const requestToken = (sa: string, spec: Record<string, unknown> = {}) =>
    admin.request<TokenRequest>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

  /** The HTTP code of a GET with this bearer token. */
  async function codeWith(token: string, path = '/api/v1/namespaces/default/configmaps'): Promise<number> {
    const c = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token });
    try {
      await c.request('GET', path);
      return 200;
    } catch (e) {
      if (e instanceof ApiError) return e.code;
      throw e;
    } finally {
      c.close();
    }
  }

  async function errCode(p: Promise<unknown>): Promise<{ code: number; message: string }> {
    try {
      await p;
      return { code: 200, message: '' };
    } catch (e) {
      if (e instanceof ApiError) return { code: e.code, message: e.message };
      throw e;
    }
  }

  it('issues a token with the defaults that authenticates as the service account', async () => {
    const tr = await requestToken('robot');
    assert.equal(tr.spec.expirationSeconds, 3600, `expirationSeconds got ${tr.spec.expirationSeconds}`);
    assert.deepEqual(tr.spec.audiences, ['https://kubernetes.default.svc.cluster.local'], `audiences got ${JSON.stringify(tr.spec.audiences)}`);
    const left = Date.parse(tr.status.expirationTimestamp) - Date.now();
    assert.ok(left > 3500_000 && left <= 3600_000, `expiration in ${left} ms, want about an hour`);
    const c = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: tr.status.token });
    try {
      const who = await c.request<{ status: { userInfo: { username: string; groups: string[] } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(who.status.userInfo.username, 'system:serviceaccount:default:robot', `username got ${who.status.userInfo.username}`);
      assert.ok(who.status.userInfo.groups.includes('system:serviceaccounts:default'), `groups got ${JSON.stringify(who.status.userInfo.groups)}`);
    } finally {
      c.close();
    }
  });

  it('refuses bad requests as upstream does', async () => {
    await admin.resource<KubeObject & { spec: unknown }>(Resources.pods).create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other-sa' }, spec: { serviceAccountName: 'someone', containers: [{ name: 'c', image: 'x' }] } });
    const cases: Array<{ name: string; sa: string; spec: Record<string, unknown>; want: number; msg: RegExp }> = [
      { name: 'too short', sa: 'robot', spec: { expirationSeconds: 60 }, want: 422, msg: /may not specify a duration less than 10 minutes/ },
      { name: 'unknown service account', sa: 'ghost', spec: {}, want: 404, msg: /serviceaccounts "ghost" not found/ },
      { name: 'unsupported bound kind', sa: 'robot', spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }, want: 400, msg: /cannot bind token to object/ },
      { name: 'bound pod runs as another service account', sa: 'robot', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other-sa' } }, want: 400, msg: /different serviceaccount/ },
      { name: 'bound pod missing', sa: 'robot', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } }, want: 404, msg: /pods "nope" not found/ },
    ];
    for (const c of cases) {
      const r = await errCode(requestToken(c.sa, c.spec));
      assert.equal(r.code, c.want, `${c.name}: code got ${r.code} (${r.message}), want ${c.want}`);
      assert.match(r.message, c.msg, `${c.name}: message got ${r.message}`);
    }
  });

  it('a pod-bound token dies with its pod; any token dies with its service account', async () => {
    await admin.resource(Resources.serviceaccounts).create(ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'temp' } });
    const pod = await admin.resource<KubeObject & { spec: unknown }>(Resources.pods).create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { serviceAccountName: 'temp', containers: [{ name: 'c', image: 'x' }] } });
    const podToken = (await requestToken('temp', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: pod.metadata?.uid } })).status.token;
    const plain = (await requestToken('temp')).status.token;
    const claims = JSON.parse(Buffer.from(podToken.split('.')[1]!, 'base64url').toString()) as { 'kubernetes.io': { pod?: { name: string } } };
    assert.equal(claims['kubernetes.io'].pod?.name, 'bound', `pod claim got ${JSON.stringify(claims['kubernetes.io'])}`);
    assert.equal(await codeWith(podToken), 200, 'pod-bound token refused while the pod exists');
    await admin.resource(Resources.pods).delete(ns, 'bound');
    assert.equal(await codeWith(podToken), 401, 'pod-bound token accepted after the pod is gone');
    assert.equal(await codeWith(plain), 200, 'unbound token refused while the service account exists');
    await admin.resource(Resources.serviceaccounts).delete(ns, 'temp');
    assert.equal(await codeWith(plain), 401, 'token accepted after its service account is gone');
  });

  it('a token for another audience does not authenticate to the API, but TokenReview with that audience accepts it', async () => {
    const tr = await requestToken('robot', { audiences: ['vault'] });
    assert.equal(await codeWith(tr.status.token), 401, 'API accepted a token for audience vault');
    const review = await admin.request<{ status: { authenticated: boolean; user?: { username: string }; audiences?: string[] } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tr.status.token, audiences: ['vault'] } });
    assert.equal(review.status.authenticated, true, `review got ${JSON.stringify(review.status)}`);
    assert.equal(review.status.user?.username, 'system:serviceaccount:default:robot', `username got ${review.status.user?.username}`);
    assert.deepEqual(review.status.audiences, ['vault'], `audiences got ${JSON.stringify(review.status.audiences)}`);
    const bad = await admin.request<{ status: { authenticated: boolean } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: `${tr.status.token.slice(0, -4)}AAAA` } });
    assert.equal(bad.status.authenticated, false, `tampered token review got ${JSON.stringify(bad.status)}`);
  });

  it('pod admission mounts the kube-api-access volume when the service account exists', async () => {
    type P = KubeObject & { spec: { volumes?: Array<{ name: string; projected?: unknown }>; serviceAccountName?: string; automountServiceAccountToken?: boolean; containers: Array<{ name?: string; image?: string; volumeMounts?: Array<{ name: string; mountPath: string }> }> } };
    const pods = admin.resource<P>(Resources.pods);
    const p = await pods.create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mounted' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'x' }] } });
    const vol = p.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol?.projected, `volumes got ${JSON.stringify(p.spec.volumes)}`);
    assert.deepEqual(p.spec.containers[0]?.volumeMounts?.map((m) => [m.name, m.mountPath]), [[vol.name, '/var/run/secrets/kubernetes.io/serviceaccount']], `mounts got ${JSON.stringify(p.spec.containers[0]?.volumeMounts)}`);
    const patched = await pods.patch(ns, 'mounted', 'merge', { metadata: { labels: { a: 'b' } } });
    assert.deepEqual(patched.spec.volumes, p.spec.volumes, 'an update changed the admitted volumes');
    const none = await pods.create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unmounted' }, spec: { serviceAccountName: 'robot', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'x' }] } });
    assert.equal(none.spec.volumes?.length ?? 0, 0, `volumes got ${JSON.stringify(none.spec.volumes)}, want none`);
  });

  it('serves the OpenID discovery document and the JWKS', async () => {
    const cfg = await admin.request<{ issuer: string; jwks_uri: string }>('GET', '/.well-known/openid-configuration');
    assert.equal(cfg.issuer, 'https://kubernetes.default.svc.cluster.local', `issuer got ${cfg.issuer}`);
    assert.match(cfg.jwks_uri, /^https:\/\/127\.0\.0\.1:\d+\/openid\/v1\/jwks$/, `jwks_uri got ${cfg.jwks_uri}`);
    const set = await admin.request<{ keys: Array<{ kid: string; alg: string; kty: string }> }>('GET', '/openid/v1/jwks');
    const tr = await requestToken('robot');
    const kid = (JSON.parse(Buffer.from(tr.status.token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    assert.deepEqual(set.keys.map((k) => [k.kid, k.alg, k.kty]), [[kid, 'ES256', 'EC']], `keys got ${JSON.stringify(set.keys)}`);
  });
});
