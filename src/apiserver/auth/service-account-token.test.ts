// Service-account JWTs: signing, verification and the review rules, with an in-memory object lookup.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, verify } from 'node:crypto';
import {
  createServiceAccountTokenAuth, ensureServiceAccountKey, ephemeralServiceAccountKey, jwks, signToken, tokenClaims, verifyToken,
  type KubernetesClaim, type Lookup,
} from './service-account-token';

const T0 = Date.parse('2026-06-01T00:00:00Z');

function world(objects: Record<string, Record<string, unknown>>): Lookup {
  return (_g, plural, ns, name) => objects[`${plural}/${ns}/${name}`];
}

describe('service-account tokens', () => {
  it('key is created once under the tls dir, 0600, and reloaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-key-'));
    try {
      const a = ensureServiceAccountKey(dir);
      const b = ensureServiceAccountKey(dir);
      assert.equal(b.kid, a.kid, `kid after reload got ${b.kid}, want ${a.kid}`);
      const mode = statSync(join(dir, 'service-account.key')).mode & 0o777;
      assert.equal(mode, 0o600, `key file mode got ${mode.toString(8)}, want 600`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs JWS that verify with the published JWK', () => {
    const key = ephemeralServiceAccountKey();
    const kube: KubernetesClaim = { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' } };
    const token = signToken(key, tokenClaims({ kube, audiences: ['x'], expirationSeconds: 600, nowMs: T0 }));
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string };
    assert.deepEqual(header, { alg: 'ES256', kid: key.kid }, `header got ${JSON.stringify(header)}`);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.sub, 'system:serviceaccount:ns:sa', `sub got ${String(claims.sub)}`);
    assert.equal(claims.exp, T0 / 1000 + 600, `exp got ${String(claims.exp)}`);
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local', `iss got ${String(claims.iss)}`);
    const jwk = jwks(key).keys[0]!;
    const pub = createPublicKey({ key: jwk, format: 'jwk' });
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    assert.equal(ok, true, 'signature did not verify with the JWKS key');
  });

  it('verifyToken: ours, tampered, foreign', () => {
    const key = ephemeralServiceAccountKey();
    const other = ephemeralServiceAccountKey();
    const kube: KubernetesClaim = { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' } };
    const good = signToken(key, tokenClaims({ kube, audiences: ['a'], expirationSeconds: 600, nowMs: T0 }));
    const [h, , s] = good.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...tokenClaims({ kube, audiences: ['a'], expirationSeconds: 600, nowMs: T0 }), sub: 'x' })).toString('base64url')}.${s}`;
    const cases: Array<{ name: string; token: string; want: 'claims' | 'error' | 'undefined' }> = [
      { name: 'valid', token: good, want: 'claims' },
      { name: 'payload changed', token: forged, want: 'error' },
      { name: 'signed by another key', token: signToken(other, tokenClaims({ kube, audiences: ['a'], expirationSeconds: 600, nowMs: T0 })), want: 'error' },
      { name: 'another issuer', token: signToken(key, tokenClaims({ kube, audiences: ['a'], expirationSeconds: 600, nowMs: T0, issuer: 'https://elsewhere' })), want: 'undefined' },
      { name: 'not a JWT', token: 'abc', want: 'undefined' },
    ];
    for (const c of cases) {
      const r = verifyToken(key, c.token);
      const got = r === undefined ? 'undefined' : r instanceof Error ? 'error' : 'claims';
      assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
    }
  });

  it('review: time, audience, and the live objects', () => {
    const key = ephemeralServiceAccountKey();
    const objects: Record<string, Record<string, unknown>> = {
      'serviceaccounts/ns/sa': { metadata: { name: 'sa', uid: 'u1' } },
      'pods/ns/p': { metadata: { name: 'p', uid: 'p1' } },
      'pods/ns/gone-long-ago': { metadata: { name: 'gone-long-ago', uid: 'p2', deletionTimestamp: '2026-05-31T23:00:00Z' } },
    };
    let now = T0;
    const auth = createServiceAccountTokenAuth({ key, lookup: world(objects), now: () => now, cacheTtlMs: 10_000 });
    const mk = (o: { sa?: { name: string; uid: string }; pod?: { name: string; uid: string }; aud?: string[]; exp?: number }) =>
      signToken(key, tokenClaims({ kube: { namespace: 'ns', serviceaccount: o.sa ?? { name: 'sa', uid: 'u1' }, ...(o.pod ? { pod: o.pod } : {}) }, audiences: o.aud ?? [auth.issuer], expirationSeconds: o.exp ?? 600, nowMs: T0 }));
    const cases: Array<{ name: string; token: string; at?: number; want: RegExp | 'ok' }> = [
      { name: 'valid', token: mk({}), want: 'ok' },
      { name: 'valid pod-bound', token: mk({ pod: { name: 'p', uid: 'p1' } }), want: 'ok' },
      { name: 'expired (past the 60 s leeway)', token: mk({}), at: T0 + 661_000, want: /expired/ },
      { name: 'inside the leeway', token: mk({}), at: T0 + 650_000, want: 'ok' },
      { name: 'other audience', token: mk({ aud: ['vault'] }), want: /audiences/ },
      { name: 'service account gone', token: mk({ sa: { name: 'nope', uid: 'u9' } }), want: /has been deleted/ },
      { name: 'service account recreated', token: mk({ sa: { name: 'sa', uid: 'old' } }), want: /does not match/ },
      { name: 'pod gone', token: mk({ pod: { name: 'q', uid: 'q1' } }), want: /pod "q"/ },
      { name: 'pod recreated', token: mk({ pod: { name: 'p', uid: 'old' } }), want: /pod "p"/ },
      { name: 'pod deleted over a minute ago', token: mk({ pod: { name: 'gone-long-ago', uid: 'p2' } }), want: /being deleted/ },
    ];
    for (const c of cases) {
      now = c.at ?? T0;
      const r = auth.review(c.token);
      if (c.want === 'ok') {
        assert.ok(r && 'user' in r, `${c.name}: got ${JSON.stringify(r)}, want a user`);
        assert.equal(r.user.name, 'system:serviceaccount:ns:sa', `${c.name}: name got ${r.user.name}`);
        assert.deepEqual(r.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'], `${c.name}: groups got ${JSON.stringify(r.user.groups)}`);
      } else {
        assert.ok(r && 'error' in r, `${c.name}: got ${JSON.stringify(r)}, want an error`);
        assert.match(r.error, c.want, `${c.name}: error got ${r.error}`);
      }
    }
  });

  it('a deleted service account invalidates a token even while its signature check is cached', () => {
    const key = ephemeralServiceAccountKey();
    const objects: Record<string, Record<string, unknown>> = { 'serviceaccounts/ns/sa': { metadata: { name: 'sa', uid: 'u1' } } };
    const auth = createServiceAccountTokenAuth({ key, lookup: world(objects), now: () => T0 });
    const token = signToken(key, tokenClaims({ kube: { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' } }, audiences: [auth.issuer], expirationSeconds: 600, nowMs: T0 }));
    const first = auth.review(token);
    assert.ok(first && 'user' in first, `first review got ${JSON.stringify(first)}`);
    delete objects['serviceaccounts/ns/sa'];
    const second = auth.review(token);
    assert.ok(second && 'error' in second, `after delete got ${JSON.stringify(second)}, want an error`);
  });
});
