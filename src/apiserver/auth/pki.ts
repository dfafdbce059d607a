// The cluster's certificates and credentials, generated under <data-dir>/tls on first start and reused later:
//
//   ca.crt / ca.key            the cluster CA (10 years)
//   serving.crt / serving.key  the API server's certificate (1 year, renewed when near expiry or when a
//                              needed SAN is missing: localhost, 127.0.0.1, ::1, bind address, host name, node IP)
//   admin.token                the admin's bearer token (0600), in the admin kubeconfig
//   node.token                 the join token that `berth agent` presents (0600):
//                              K10<sha256 of ca.crt>::node:<secret>, so the agent can verify the CA it fetches
import { X509Certificate, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { issueCertificate, loadPrivateKey, newKeyPair, type Subject } from './x509';

export interface Pki {
  caPem: string;
  caCert: X509Certificate;
  servingCertPem: string;
  servingKeyPem: string;
  adminToken: string;
  nodeToken: string;
  /** Issues a client certificate signed by the cluster CA (for components that authenticate by certificate). */
  issueClientCert(subject: Subject, validDays?: number): { certPem: string; keyPem: string };
}

const CA_SUBJECT: Subject = { commonName: 'berth-ca' };

function writeSecret(path: string, data: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function readOrCreateToken(path: string): string {
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (t) return t;
  }
  const t = randomBytes(24).toString('hex');
  writeSecret(path, `${t}\n`);
  return t;
}

/** Loads or creates the PKI under `dir` with the SANs the serving certificate must cover. */
export function ensurePki(dir: string, extraHosts: string[] = []): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCrtPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  let caPem: string;
  let caKeys: ReturnType<typeof loadPrivateKey>;
  if (existsSync(caCrtPath) && existsSync(caKeyPath)) {
    caPem = readFileSync(caCrtPath, 'utf8');
    caKeys = loadPrivateKey(readFileSync(caKeyPath, 'utf8'));
  } else {
    const k = newKeyPair();
    caPem = issueCertificate({ subject: CA_SUBJECT, publicKey: k.publicKey, privateKey: k.privateKey, isCA: true, validDays: 3650 });
    writeSecret(caKeyPath, k.privatePem);
    writeFileSync(caCrtPath, caPem);
    caKeys = { privateKey: k.privateKey, publicKey: k.publicKey };
  }
  const caCert = new X509Certificate(caPem);
  const issuer = { subject: CA_SUBJECT, privateKey: caKeys.privateKey, publicKey: caKeys.publicKey };

  const hosts = new Set(['localhost', '127.0.0.1', '::1', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraHosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')]);
  const dnsNames = [...hosts].filter((h) => !isIP(h));
  const ips = [...hosts].filter((h) => isIP(h));
  const crtPath = join(dir, 'serving.crt');
  const keyPath = join(dir, 'serving.key');
  let servingCertPem: string | undefined;
  let servingKeyPem: string | undefined;
  if (existsSync(crtPath) && existsSync(keyPath)) {
    const pem = readFileSync(crtPath, 'utf8');
    const cert = new X509Certificate(pem);
    const san = cert.subjectAltName ?? '';
    const covers = dnsNames.every((d) => san.includes(`DNS:${d}`)) && ips.every((ip) => cert.checkIP(ip) !== undefined);
    const fresh = new Date(cert.validTo).getTime() - Date.now() > 30 * 86_400_000;
    if (covers && fresh && cert.checkIssued(caCert)) {
      servingCertPem = pem;
      servingKeyPem = readFileSync(keyPath, 'utf8');
    }
  }
  if (!servingCertPem || !servingKeyPem) {
    const k = newKeyPair();
    servingCertPem = issueCertificate({ subject: { commonName: 'berth-apiserver' }, publicKey: k.publicKey, issuer, dnsNames, ipAddresses: ips, usages: ['server'], validDays: 365 }) + caPem;
    servingKeyPem = k.privatePem;
    writeSecret(keyPath, servingKeyPem);
    writeFileSync(crtPath, servingCertPem);
  }
  return {
    caPem,
    caCert,
    servingCertPem,
    servingKeyPem,
    adminToken: readOrCreateToken(join(dir, 'admin.token')),
    nodeToken: joinToken(join(dir, 'node.token'), caPem),
    issueClientCert(subject, validDays = 365) {
      const k = newKeyPair();
      return { certPem: issueCertificate({ subject, publicKey: k.publicKey, issuer, usages: ['client'], validDays }), keyPem: k.privatePem };
    },
  };
}

/** sha256 of the CA PEM, hex: what a join token pins. */
export function caHash(caPem: string): string {
  return createHash('sha256').update(caPem).digest('hex');
}

function joinToken(path: string, caPem: string): string {
  const prefix = `K10${caHash(caPem)}::node:`;
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (t.startsWith(prefix) && t.length > prefix.length + 16) return t;
  }
  const t = `${prefix}${randomBytes(24).toString('hex')}`;
  writeSecret(path, `${t}\n`);
  return t;
}

/** Splits a join token into the CA hash it pins and the whole bearer token; undefined when malformed. */
export function parseJoinToken(token: string): { caHash: string } | undefined {
  const m = /^K10([0-9a-f]{64})::node:[0-9a-f]{16,}$/.exec(token.trim());
  return m ? { caHash: m[1]! } : undefined;
}

/** Constant-time token comparison. */
export function tokenEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
