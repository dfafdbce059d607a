// exec over WebSocket, protocol details a raw client can check: versions v1–v5, the error channel's
// encoding per version, resize, close-stdin, negotiation failures and a target that fails to start.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { handleExecUpgrade } from './index';
import { startFakeApi, type FakeApi } from './test-harness';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(async () => {
  await api.close();
});

interface Outcome {
  channels: Map<number, Buffer>;
  closeCode: number;
  protocol: string;
}

function execPath(command: string[], extra = ''): string {
  return `/api/v1/namespaces/default/pods/p/exec?${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&stdout=true&stderr=true${extra}`;
}

/** Connects, runs `script` once open, and collects every channel's bytes until the server closes. */
function run(base: string, path: string, protocols: string[], script: (ws: WebSocket) => void = () => undefined): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`, protocols);
    const channels = new Map<number, Buffer>();
    ws.on('open', () => script(ws));
    ws.on('message', (data: Buffer) => {
      const ch = data[0] as number;
      channels.set(ch, Buffer.concat([channels.get(ch) ?? Buffer.alloc(0), data.subarray(1)]));
    });
    ws.on('close', (code) => resolve({ channels, closeCode: code, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

const text = (o: Outcome, ch: number): string | undefined => o.channels.get(ch)?.toString();

const versions: Array<{ protocol: string; exit: number; wantError: (s: string | undefined) => boolean; describe: string }> = [
  { protocol: 'v5.channel.k8s.io', exit: 2, wantError: (s) => JSON.parse(s ?? '{}').details?.causes?.[0]?.message === '2', describe: 'JSON Status with ExitCode 2' },
  { protocol: 'v4.channel.k8s.io', exit: 0, wantError: (s) => s === '{"metadata":{},"status":"Success"}', describe: 'JSON Success' },
  { protocol: 'v3.channel.k8s.io', exit: 2, wantError: (s) => s !== undefined && !s.startsWith('{') && /exit code 2/.test(s), describe: 'a text message' },
  { protocol: 'channel.k8s.io', exit: 0, wantError: (s) => s === undefined, describe: 'nothing' },
];

for (const v of versions) {
  test(`exec over ${v.protocol}, exit ${v.exit}: error channel carries ${v.describe}; close 1000`, async () => {
    const o = await run(api.url, execPath(['sh', '-c', `echo out; exit ${v.exit}`]), [v.protocol]);
    assert.equal(o.protocol, v.protocol, `protocol: got ${o.protocol}`);
    assert.equal(text(o, 1), 'out\n', `stdout: got ${JSON.stringify(text(o, 1))}`);
    assert.ok(v.wantError(text(o, 3)), `error channel: got ${JSON.stringify(text(o, 3))}, want ${v.describe}`);
    assert.equal(o.closeCode, 1000, `close code: got ${o.closeCode}, want 1000`);
  });
}

test('v5: resize messages reach the session (even before it started) and 255/0 closes stdin', async () => {
  const o = await run(api.url, execPath(['sh', '-c', 'cat; echo done'], '&stdin=true&tty=true'), ['v5.channel.k8s.io'], (ws) => {
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":40}')]));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\n')]));
    ws.send(Buffer.from([4, ...Buffer.from('{"Width":120,"Height":50}')]));
    ws.send(Buffer.from([255, 0]));
  });
  assert.equal(text(o, 1), 'typed\ndone\n', `stdout: got ${JSON.stringify(text(o, 1))}`);
  assert.equal(o.channels.has(2), false, 'a TTY session has no stderr channel');
  const call = api.execs.at(-1);
  assert.deepEqual(call?.resizes, [[100, 40], [120, 50]], `resizes: got ${JSON.stringify(call?.resizes)}`);
  assert.equal(call?.opts.stderr, false, 'tty turns stderr off, as upstream');
});

const refusals: Array<{ name: string; path: string; protocols: string[]; want: string }> = [
  { name: 'no common subprotocol', path: execPath(['true']), protocols: ['base64.channel.k8s.io'], want: 'HTTP 400' },
  { name: 'no command', path: '/api/v1/namespaces/default/pods/p/exec?stdout=true', protocols: ['v5.channel.k8s.io'], want: 'HTTP 400' },
  { name: 'no stream at all', path: '/api/v1/namespaces/default/pods/p/exec?command=true', protocols: ['v5.channel.k8s.io'], want: 'HTTP 400' },
];
for (const r of refusals) {
  test(`refused before upgrading: ${r.name}`, async () => {
    await assert.rejects(run(api.url, r.path, r.protocols), (e: Error) => e.message === r.want);
  });
}

test('a target that fails to start reports an InternalError Status and closes 1000', async () => {
  const server = http.createServer();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    void handleExecUpgrade(req, socket, head, { exec: () => Promise.reject(new Error('container "c" is not running')) });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const o = await run(`http://127.0.0.1:${port}`, execPath(['true']), ['v5.channel.k8s.io']);
    const status = JSON.parse(text(o, 3) ?? '{}') as { status?: string; reason?: string; message?: string };
    assert.deepEqual([status.status, status.reason, status.message], ['Failure', 'InternalError', 'container "c" is not running'], `status: got ${text(o, 3)}`);
    assert.equal(o.closeCode, 1000);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
