// @kubernetes/client-node 1.4's Exec and PortForward against our handlers (it offers v5…v1 for exec and
// speaks the plain channel protocol for port-forward).
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Exec, KubeConfig, PortForward, type V1Status } from '@kubernetes/client-node';
import type { WebSocket } from 'ws';
import { startEchoServer, startFakeApi, type FakeApi } from './test-harness';

let api: FakeApi;
let kc: KubeConfig;
before(async () => {
  api = await startFakeApi();
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
});
after(async () => {
  await api.close();
});

function sink(): { w: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  });
  return { w, text: () => Buffer.concat(chunks).toString() };
}

const execCases: Array<{ name: string; command: string[]; stdin?: string; wantOut: string; wantErr: string; wantStatus: Partial<V1Status> & { exitCode?: string } }> = [
  { name: 'success', command: ['echo', 'hello'], wantOut: 'hello\n', wantErr: '', wantStatus: { status: 'Success' } },
  {
    name: 'non-zero exit',
    command: ['sh', '-c', 'echo out; echo err >&2; exit 4'],
    wantOut: 'out\n',
    wantErr: 'err\n',
    wantStatus: { status: 'Failure', reason: 'NonZeroExitCode', exitCode: '4' },
  },
  { name: 'stdin', command: ['cat'], stdin: 'piped input', wantOut: 'piped input', wantErr: '', wantStatus: { status: 'Success' } },
];

for (const c of execCases) {
  test(`client-node Exec: ${c.name}`, async () => {
    const out = sink();
    const err = sink();
    const stdin = c.stdin === undefined ? null : Readable.from([Buffer.from(c.stdin)]);
    let ws: WebSocket | undefined;
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec('default', 'p', 'c', c.command, out.w, err.w, stdin, false, resolve)
        .then((s) => { ws = s as unknown as WebSocket; }, reject);
    });
    assert.equal(out.text(), c.wantOut, `stdout: got ${JSON.stringify(out.text())}, want ${JSON.stringify(c.wantOut)}`);
    assert.equal(err.text(), c.wantErr, `stderr: got ${JSON.stringify(err.text())}, want ${JSON.stringify(c.wantErr)}`);
    assert.equal(status.status, c.wantStatus.status, `status: got ${JSON.stringify(status)}`);
    if (c.wantStatus.reason) assert.equal(status.reason, c.wantStatus.reason, `reason: got ${JSON.stringify(status)}`);
    if (c.wantStatus.exitCode) {
      const cause = status.details?.causes?.find((x) => x.reason === 'ExitCode');
      assert.equal(cause?.message, c.wantStatus.exitCode, `exit code cause: got ${JSON.stringify(status.details)}`);
    }
    assert.equal(ws?.protocol, 'v5.channel.k8s.io', `negotiated protocol: got ${ws?.protocol}`);
  });
}

test('client-node PortForward: data both ways on the channel protocol, closed when the pod side closes', async () => {
  const echo = await startEchoServer();
  try {
    const out = new PassThrough();
    const errOut = new PassThrough();
    const input = new PassThrough();
    const ws = (await new PortForward(kc).portForward('default', 'p', [echo.port], out, errOut, input)) as unknown as WebSocket;
    assert.equal(ws.protocol, 'v4.channel.k8s.io', `negotiated protocol: got ${ws.protocol}`);
    const got: Buffer[] = [];
    let n = 0;
    const want = Buffer.from('ping via client-node, '.repeat(5000));
    const all = new Promise<void>((resolve) => out.on('data', (c: Buffer) => {
      got.push(c);
      n += c.length;
      if (n >= want.length) resolve();
    }));
    input.write(want);
    await all;
    assert.ok(Buffer.concat(got).equals(want), `echo: got ${n} bytes, want ${want.length} identical`);
    assert.deepEqual(api.dials.slice(-1), [echo.port], `dialled: got ${JSON.stringify(api.dials)}`);
    // The pod side going away ends the WebSocket (normal closure).
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    await echo.close();
    const code = await closed;
    assert.equal(code, 1000, `close code: got ${code}, want 1000`);
  } finally {
    await echo.close().catch(() => undefined);
  }
});
