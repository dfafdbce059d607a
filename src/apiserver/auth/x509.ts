// Minimal X.509 certificate issuance (DER by hand) so berth needs no OpenSSL and starts in milliseconds:
// ECDSA P-256 keys from node:crypto, certificates signed with ecdsa-with-SHA256.
//
//   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//   TBSCertificate ::= SEQUENCE { [0] version(v3), serial, sigAlg, issuer, validity, subject, spki, [3] extensions }
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// ---- DER primitives ----
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, body: Buffer): Buffer => tlv(0xa0 + n, body);
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >>> 7;
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
function time(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const body = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (d.getUTCFullYear() >= 2050) return tlv(0x18, Buffer.from(`${d.getUTCFullYear()}${body.slice(2)}`));
  return tlv(0x17, Buffer.from(body));
}

const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export interface Subject {
  commonName: string;
  organizations?: string[];
}

function name(s: Subject): Buffer {
  const rdns = (s.organizations ?? []).map((o) => set(seq(oid(OID.organization), utf8(o))));
  rdns.push(set(seq(oid(OID.commonName), utf8(s.commonName))));
  return seq(...rdns);
}

function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function keyId(pub: KeyObject): Buffer {
  return createHash('sha1').update(pub.export({ type: 'spki', format: 'der' })).digest();
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand '::'
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

export interface IssueOptions {
  subject: Subject;
  /** Public key of the certificate's owner. */
  publicKey: KeyObject;
  /** Signer: the CA's key and subject; omitted for a self-signed CA (then `privateKey` signs). */
  issuer?: { subject: Subject; privateKey: KeyObject; publicKey: KeyObject };
  privateKey?: KeyObject;
  isCA?: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
  usages?: Array<'server' | 'client'>;
  validDays: number;
  now?: Date;
}

/** Issues a certificate and returns it PEM-encoded. */
export function issueCertificate(o: IssueOptions): string {
  const now = o.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now.getTime() + o.validDays * 86_400_000);
  const signerKey = o.issuer?.privateKey ?? o.privateKey;
  if (!signerKey) throw new Error('issueCertificate: no signing key');
  const issuerSubject = o.issuer?.subject ?? o.subject;
  const issuerPub = o.issuer?.publicKey ?? o.publicKey;
  const sigAlg = seq(oid(OID.ecdsaWithSHA256));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;

  const exts: Buffer[] = [];
  exts.push(ext(OID.basicConstraints, true, o.isCA ? seq(bool(true)) : seq()));
  // keyUsage bits: digitalSignature(0) keyEncipherment(2) keyCertSign(5) cRLSign(6)
  const ku = o.isCA ? Buffer.from([0x01, 0x86]) : Buffer.from([0x05, 0xa0]);
  exts.push(ext(OID.keyUsage, true, tlv(0x03, ku)));
  if (o.usages?.length) {
    exts.push(ext(OID.extKeyUsage, false, seq(...o.usages.map((u) => oid(u === 'server' ? OID.serverAuth : OID.clientAuth)))));
  }
  const sans = [
    ...(o.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...(o.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  if (sans.length) exts.push(ext(OID.subjectAltName, false, seq(...sans)));
  exts.push(ext(OID.subjectKeyId, false, octets(keyId(o.publicKey))));
  if (!o.isCA || o.issuer) exts.push(ext(OID.authorityKeyId, false, seq(tlv(0x80, keyId(issuerPub)))));

  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    name(issuerSubject),
    seq(time(notBefore), time(notAfter)),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, signerKey);
  const der = seq(tbs, sigAlg, bitString(signature));
  return toPem(der, 'CERTIFICATE');
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

export function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export function loadPrivateKey(pem: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
