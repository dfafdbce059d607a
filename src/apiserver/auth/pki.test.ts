import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from './pki';

test('PKI: CA and serving certificate are valid, cover the SANs, and are reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  try {
    const a = ensurePki(dir, ['10.1.2.3']);
    const ca = new X509Certificate(a.caPem);
    const serving = new X509Certificate(a.servingCertPem);
    assert.ok(ca.ca, 'the CA certificate is a CA');
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    for (const ip of ['127.0.0.1', '10.1.2.3']) assert.ok(serving.checkIP(ip), `serving certificate covers ${ip}`);
    assert.ok(serving.checkHost('localhost'), 'serving certificate covers localhost');
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600, 'CA key is private');
    const b = ensurePki(dir, ['10.1.2.3']);
    assert.equal(b.caPem, a.caPem, 'CA reused');
    assert.equal(b.servingCertPem, a.servingCertPem, 'serving certificate reused when it still covers every host');
    assert.equal(b.adminToken, a.adminToken, 'admin token reused');
    const c = ensurePki(dir, ['10.9.9.9']);
    assert.notEqual(c.servingCertPem, a.servingCertPem, 'a new host means a new serving certificate');
    assert.ok(new X509Certificate(c.servingCertPem).checkIP('10.9.9.9'));
    const client = c.issueClientCert({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
    const cc = new X509Certificate(client.certPem);
    assert.ok(cc.checkIssued(ca), 'client certificates are signed by the CA');
    assert.match(cc.subject, /CN=system:node:n1/);
    assert.equal(readFileSync(join(dir, 'admin.token'), 'utf8').trim(), a.adminToken);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
