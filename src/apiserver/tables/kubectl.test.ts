// Against the real kubectl: a minimal in-process API server answers discovery and a pod list with
// buildTable's output; kubectl must print exactly the columns and cells upstream would.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { buildTable } from './index';

const run = promisify(execFile);

async function hasKubectl(): Promise<boolean> {
  try {
    await run('kubectl', ['version', '--client=true'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

// Ages chosen so the printed text is stable for at least an hour whenever the test runs.
const DAY = 86400;
function ago(seconds: number): string {
  return new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

const pods = [
  {
    metadata: { name: 'web-1', namespace: 'default', uid: 'a', resourceVersion: '5', creationTimestamp: ago(10 * DAY) },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
    status: {
      phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * DAY) } } }],
    },
  },
  {
    metadata: { name: 'crashy', namespace: 'default', uid: 'b', resourceVersion: '6', creationTimestamp: ago(10 * DAY) },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  },
];

function startServer(): Promise<{ port: number; close: () => void }> {
  const srv = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (o: unknown, code = 200): void => {
      res.statusCode = code;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(o));
    };
    if (path === '/version') return send({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (path === '/api') return send({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return send({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1') {
      return send({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] }] });
    }
    if (path === '/api/v1/namespaces/default/pods' && (req.headers.accept ?? '').includes('as=Table')) {
      return send(buildTable({ group: '', plural: 'pods', objects: pods, listMeta: { resourceVersion: '9' }, now: Date.now() }));
    }
    return send({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }, 404);
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as AddressInfo).port, close: () => srv.close() }));
  });
}

const cases: Array<{ name: string; args: string[]; want: string[] }> = [
  {
    name: 'get pods',
    args: ['get', 'pods'],
    want: [
      'NAME     READY   STATUS             RESTARTS     AGE',
      'web-1    1/1     Running            2 (2d ago)   10d',
      'crashy   0/1     CrashLoopBackOff   5            10d',
    ],
  },
  {
    name: 'get pods -o wide',
    args: ['get', 'pods', '-o', 'wide'],
    want: [
      'NAME     READY   STATUS             RESTARTS     AGE   IP         NODE     NOMINATED NODE   READINESS GATES',
      'web-1    1/1     Running            2 (2d ago)   10d   10.0.0.5   node-1   <none>           <none>',
      'crashy   0/1     CrashLoopBackOff   5            10d   <none>     <none>   <none>           <none>',
    ],
  },
];

test('real kubectl prints the Table', async (t) => {
  // A missing kubectl is a failure, never a silent skip.
  if (!(await hasKubectl())) assert.fail('kubectl is not installed: run `bash scripts/setup-system.sh` (as root) to install the test dependencies');
  const home = mkdtempSync(join(tmpdir(), 'berth-tables-kubectl-'));
  const server = await startServer();
  try {
    for (const c of cases) {
      await t.test(c.name, async () => {
        const { stdout } = await run('kubectl', ['--server', `http://127.0.0.1:${server.port}`, ...c.args], {
          timeout: 60_000,
          env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none'), KUBECACHEDIR: join(home, 'cache') },
        });
        const got = stdout.trimEnd().split('\n').map((l) => l.trimEnd());
        assert.deepEqual(got, c.want, `kubectl ${c.args.join(' ')}: got\n${got.join('\n')}\nwant\n${c.want.join('\n')}`);
      });
    }
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
});
