// The ingress controller against the real in-process API server, with plain Node HTTP backends on 127.0.0.x.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient, resourceRef, Resources } from '../client';
import { waitFor } from '../client/testing';
import { startTestServer } from '../../test/support/server';
import { runIngress } from './run';
import type { EndpointSlice, Ingress, IngressClass, Secret, Service } from './types';

interface Reply { status: number; body: string; headers: IncomingMessage['headers']; reused: boolean; cn?: string }

function get(port: number, host: string, path: string, opts: { agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: opts.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

function getTls(port: number, servername: string, ca: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername, ca, headers: { host: servername }, agent: false }, (res) => {
      let body = '';
      const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN;
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, reused: false, cn: Array.isArray(cn) ? cn[0] : cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A backend that answers with its name and the request it saw; /slow waits for release(). */
async function backend(name: string, ip: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${name}:start;`);
      void released.then(() => res.end(`${name}:end`));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, url: req.url, headers: req.headers, method: req.method, body }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`${name} echo ${m.toString()}`)));
  await new Promise<void>((r) => server.listen(0, ip, () => r()));
  const port = (server.address() as { port: number }).port;
  return { name, ip, port, release, close: () => { wss.close(); server.closeAllConnections(); server.close(); } };
}

function certFor(dir: string, cn: string): { cert: string; key: string } {
  const key = join(dir, `${cn}.key`), cert = join(dir, `${cn}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

const path = (p: string, pathType: string, service: string) => ({ path: p, pathType, backend: { service: { name: service, port: { name: 'http' } } } });

test('ingress routes hosts and paths, terminates TLS with SNI, passes WebSockets and reconfigures live', async (t) => {
  const srv = await startTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'berth-ingress-'));
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const a = await backend('a', '127.0.0.2');
  const b = await backend('b', '127.0.0.3');
  const ac = new AbortController();
  let ports = { http: 0, https: 0 };
  const done = runIngress({ config, nodeIP: '127.0.0.1', httpPort: 0, httpsPort: 0, bindAddress: '127.0.0.1', signal: ac.signal, onListening: (p) => (ports = p) });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => {
    ac.abort();
    await done;
    keepAlive.destroy();
    a.close();
    b.close();
    client.close();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const services = client.resource<Service>(Resources.services);
  const slices = client.resource<EndpointSlice>(Resources.endpointslices);
  const ingresses = client.resource<Ingress>(Resources.ingresses);
  const secrets = client.resource<Secret>(Resources.secrets);
  for (const be of [a, b]) {
    await services.create('default', { metadata: { name: `svc-${be.name}` }, spec: { ports: [{ name: 'http', port: 80, targetPort: be.port }] } });
    await slices.create('default', {
      metadata: { name: `svc-${be.name}-1`, labels: { 'kubernetes.io/service-name': `svc-${be.name}` } }, addressType: 'IPv4',
      // svc-a also lists 127.0.0.4, where nothing listens: refused connections are retried on the next endpoint.
      endpoints: [{ addresses: [be.ip], conditions: { ready: true } }, ...(be.name === 'a' ? [{ addresses: ['127.0.0.4'], conditions: { ready: true } }] : [])],
      ports: [{ name: 'http', port: be.port, protocol: 'TCP' }],
    });
  }
  await services.create('default', { metadata: { name: 'svc-empty' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  const pem = certFor(dir, 'secure.example');
  const otherPem = certFor(dir, 'other.example');
  for (const [name, p] of [['secure-tls', pem], ['other-tls', otherPem]] as const) {
    await secrets.create('default', { metadata: { name }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(p.cert).toString('base64'), 'tls.key': Buffer.from(p.key).toString('base64') } });
  }
  await ingresses.create('default', {
    metadata: { name: 'main' },
    spec: {
      ingressClassName: 'berth',
      tls: [{ hosts: ['other.example'], secretName: 'other-tls' }, { hosts: ['secure.example'], secretName: 'secure-tls' }],
      rules: [
        { host: 'a.example', http: { paths: [path('/', 'Prefix', 'svc-a'), path('/b', 'Prefix', 'svc-b'), path('/b/exact', 'Exact', 'svc-a')] } },
        { host: 'secure.example', http: { paths: [path('/', 'Prefix', 'svc-b')] } },
        { host: 'empty.example', http: { paths: [path('/', 'Prefix', 'svc-empty')] } },
      ],
    },
  });
  // No ingressClassName: ours because berth is the default class.
  await ingresses.create('default', { metadata: { name: 'second' }, spec: { rules: [{ host: 'b.example', http: { paths: [path('/', 'Prefix', 'svc-b')] } }] } });
  await waitFor(() => ports.http !== 0, 'ingress listening', 20_000);

  const cls = await client.resource<IngressClass>(resourceRef('networking.k8s.io', 'v1', 'ingressclasses')).get(undefined, 'berth');
  assert.equal(cls.spec?.controller, 'berth.io/ingress-controller', 'IngressClass controller');
  assert.equal(cls.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true', 'IngressClass is the default');

  const who = async (host: string, p: string): Promise<string> => {
    const r = await get(ports.http, host, p);
    return r.status === 200 ? (JSON.parse(r.body) as { name: string }).name : String(r.status);
  };
  for (let i = 0; i < 100 && (await who('b.example', '/')) !== 'b'; i++) await new Promise((r) => setTimeout(r, 50));
  const cases = [
    { name: 'host a', host: 'a.example', path: '/x', want: 'a' },
    { name: 'host b (default class)', host: 'b.example', path: '/x', want: 'b' },
    { name: 'prefix /b on host a', host: 'a.example', path: '/b/c', want: 'b' },
    { name: 'prefix is element-wise', host: 'a.example', path: '/bc', want: 'a' },
    { name: 'Exact beats Prefix', host: 'a.example', path: '/b/exact', want: 'a' },
    { name: 'unknown host', host: 'zzz.example', path: '/', want: '404' },
    { name: 'no endpoints', host: 'empty.example', path: '/', want: '503' },
  ];
  for (const c of cases) assert.equal(await who(c.host, c.path), c.want, `${c.name}: got ${await who(c.host, c.path)}, want ${c.want}`);

  const seen = JSON.parse((await get(ports.http, 'a.example:8080', '/hdr?q=1')).body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/hdr?q=1', 'path and query passed through');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', `X-Forwarded-For got ${seen.headers['x-forwarded-for']}`);
  assert.equal(seen.headers['x-forwarded-proto'], 'http', 'X-Forwarded-Proto');
  assert.equal(seen.headers['x-forwarded-host'], 'a.example:8080', 'X-Forwarded-Host');
  assert.equal(seen.headers['x-forwarded-port'], String(ports.http), 'X-Forwarded-Port');
  assert.equal(seen.headers.host, 'a.example:8080', 'Host kept');
  const posted = await new Promise<{ method: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.http, path: '/post', method: 'POST', headers: { host: 'b.example', 'content-type': 'text/plain' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(JSON.parse(body) as { method: string; body: string }));
    });
    req.on('error', reject);
    req.end('x'.repeat(100_000));
  });
  assert.equal(posted.method, 'POST', 'method passed through');
  assert.equal(posted.body.length, 100_000, `request body streamed: got ${posted.body.length} bytes`);
  const notFound = await get(ports.http, 'zzz.example', '/');
  assert.match(notFound.body, /404/, `404 body got ${notFound.body}`);

  // TLS with SNI: each name gets its own certificate from its Secret.
  const tls = await getTls(ports.https, 'secure.example', pem.cert, '/t');
  assert.equal(tls.cn, 'secure.example', `certificate CN got ${tls.cn}`);
  const tlsSeen = JSON.parse(tls.body) as { name: string; headers: Record<string, string> };
  assert.equal(tlsSeen.name, 'b', 'secure.example routes to b');
  assert.equal(tlsSeen.headers['x-forwarded-proto'], 'https', 'X-Forwarded-Proto https');
  const other = await getTls(ports.https, 'other.example', otherPem.cert, '/');
  assert.equal(other.cn, 'other.example', `SNI other.example CN got ${other.cn}`);

  const noSni = await new Promise<string | undefined>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: ports.https, path: '/', servername: '', rejectUnauthorized: false, headers: { host: 'secure.example' }, agent: false }, (res) => {
      const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN;
      res.resume();
      resolve(Array.isArray(cn) ? cn[0] : cn);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(noSni, 'other.example', `client without SNI gets the first certificate: got ${noSni}`);

  // WebSocket through the ingress.
  const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/ws`, { headers: { host: 'b.example' } });
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m: Buffer) => resolve(m.toString()));
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(echoed, 'b echo hello', `websocket got ${echoed}`);
  // Over TLS: the lean front hands the decrypted connection to the HTTPS server's HTTP machinery.
  const wssOptions = { headers: { host: 'secure.example' }, servername: 'secure.example', ca: pem.cert }; // servername: passed on to tls.connect
  const wss = new WebSocket(`wss://127.0.0.1:${ports.https}/ws`, wssOptions);
  const echoedTls = await new Promise<string>((resolve, reject) => {
    wss.on('open', () => wss.send('over tls'));
    wss.on('message', (m: Buffer) => resolve(m.toString()));
    wss.on('error', reject);
  });
  wss.close();
  assert.equal(echoedTls, 'b echo over tls', `websocket over TLS got ${echoedTls}`);

  // Status carries the node IP.
  let status = '';
  for (let i = 0; i < 100 && status !== '127.0.0.1'; i++) {
    status = (await ingresses.get('default', 'main')).status?.loadBalancer?.ingress?.[0]?.ip ?? '';
    if (status !== '127.0.0.1') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status, '127.0.0.1', `status.loadBalancer.ingress got ${status}`);
  const statusOf = async (name: string): Promise<string> => JSON.stringify((await ingresses.get('default', name)).status?.loadBalancer?.ingress ?? []);
  for (let i = 0; i < 100 && (await statusOf('second')) !== '[{"ip":"127.0.0.1"}]'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await statusOf('second'), '[{"ip":"127.0.0.1"}]', 'default-class Ingress gets status too');
  const second = await ingresses.get('default', 'second');
  await ingresses.update('default', { ...second, spec: { ...second.spec, ingressClassName: 'other' } });
  for (let i = 0; i < 100 && (await statusOf('second')) !== '[]'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await statusOf('second'), '[]', 'status cleared once the Ingress moved to another class');
  assert.equal(await who('b.example', '/'), '404', 'and it is no longer served');

  // Live reconfiguration: a long request and a keep-alive connection survive a routing change.
  const before = await get(ports.http, 'a.example', '/k', { agent: keepAlive });
  assert.equal(before.status, 200, 'keep-alive request before');
  const slow = new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port: ports.http, path: '/slow', headers: { host: 'a.example' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject).end();
  });
  await new Promise((r) => setTimeout(r, 100));
  const main = await ingresses.get('default', 'main');
  await ingresses.update('default', { ...main, spec: { ...main.spec, rules: [{ host: 'a.example', http: { paths: [path('/', 'Prefix', 'svc-b')] } }] } });
  for (let i = 0; i < 100 && (await who('a.example', '/')) !== 'b'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await who('a.example', '/'), 'b', 'a.example now routes to b');
  const after = await get(ports.http, 'a.example', '/k', { agent: keepAlive });
  assert.equal(JSON.parse(after.body).name, 'b', 'keep-alive connection follows the new table');
  assert.equal(after.reused, true, 'the client connection was kept across the reconfiguration');
  a.release();
  assert.equal(await slow, 'a:start;a:end', 'in-flight request completed against its original backend');
});
