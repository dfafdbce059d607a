// The node agent as a user meets it: the real `berth server` (process runtime) driven by the real kubectl —
// exec (exit codes, stdin), port-forward, logs -f, CrashLoopBackOff with --previous logs, an OOMKilled
// container, readiness gating, and containers that keep running across a server restart.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { after, before, test } from 'node:test';
import { startBerth, type BerthProcess } from '../support/server';
import { eventually, kubectlFor, type Kubectl } from './kubectl-helpers';

let b: BerthProcess;
let k: Kubectl;
let dir = '';

before(async () => {
  b = await startBerth();
  dir = b.dir;
  k = kubectlFor(b.kubeconfigPath);
});

after(async () => {
  const code = await b.stop();
  if (code !== 0) console.error(b.output());
  rmSync(dir, { recursive: true, force: true });
});

const PODS = `
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "d=$(mktemp -d) && echo hello-web > $d/index.html && exec busybox httpd -f -p 127.0.0.1:18417 -h $d"]
    # host networking here: a port taken on the host makes httpd exit, and the probe never passes
    readinessProbe: { httpGet: { host: 127.0.0.1, port: 18417, path: /index.html }, periodSeconds: 1 }
---
apiVersion: v1
kind: Pod
metadata: { name: ticker }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: t
    image: busybox
    command: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done"]
---
apiVersion: v1
kind: Pod
metadata: { name: crash }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo crashing-now; exit 3"]
---
apiVersion: v1
kind: Pod
metadata: { name: oom }
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    command: ["sh", "-c", "exec tail /dev/zero"]
    resources: { limits: { memory: 32Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: gated }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: g
    image: busybox
    command: ["sh", "-c", "exec sleep 3600"]
    readinessProbe: { exec: { command: ["sh", "-c", "test -f READY_FLAG"] }, periodSeconds: 1 }
`;

const jsonpath = async (args: string[], path: string): Promise<string> => (await k(['get', ...args, '-o', `jsonpath=${path}`])).stdout.trim();

test('pods through kubectl: exec, port-forward, logs -f, CrashLoopBackOff, OOMKilled, readiness', { timeout: 180_000 }, async () => {
  const flag = `${dir}/ready-flag`;
  await k.ok(['apply', '-f', '-'], { input: PODS.replace('READY_FLAG', flag) });
  await k.ok(['wait', '--for=condition=Ready', 'pod/web', 'pod/ticker', '--timeout=60s']);

  // exec: output, exit codes, stdin
  assert.equal((await k.ok(['exec', 'web', '--', 'sh', '-c', 'echo $((6*7))'])).trim(), '42');
  const failed = await k(['exec', 'web', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
  assert.equal(failed.code, 3, `kubectl exec exit code: got ${failed.code}`);
  assert.match(failed.stderr, /to-stderr/);
  assert.equal((await k.ok(['exec', '-i', 'web', '--', 'cat'], { input: 'through stdin\n' })), 'through stdin\n');

  // port-forward: a local port reaches the pod's port
  const pf = k.spawn(['port-forward', 'pod/web', ':18417']);
  try {
    const port = await eventually('port-forward listening', () => /Forwarding from 127\.0\.0\.1:(\d+) -> 18417/.exec(pf.output())?.[1]);
    const body = await new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/index.html`, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    assert.equal(body.trim(), 'hello-web');
  } finally {
    pf.proc.kill();
  }

  // logs -f follows new lines
  const follow = k.spawn(['logs', '-f', 'ticker']);
  try {
    const first = Number(await eventually('a first line', () => /tick-(\d+)/.exec(follow.output())?.[1]));
    await eventually('three more lines while following', () => new RegExp(`tick-${first + 3}\\b`).test(follow.output()));
  } finally {
    follow.proc.kill();
  }
  assert.match(await k.ok(['logs', 'ticker', '--tail=1']), /^tick-\d+\n$/, 'logs --tail=1 is one line');

  // a crashing container: CrashLoopBackOff in kubectl get, the previous run's logs, its exit code
  await eventually('crash in CrashLoopBackOff after a restart', async () => {
    const row = await k.ok(['get', 'pod', 'crash', '--no-headers']);
    return /CrashLoopBackOff/.test(row) && /\s[1-9]\d*(\s+\(.*\))?\s+\S+$/.test(row.trim()) ? row : undefined;
  }, 60_000);
  assert.equal((await k.ok(['logs', 'crash', '--previous'])).trim(), 'crashing-now');
  assert.equal(await jsonpath(['pod', 'crash'], '{.status.containerStatuses[0].lastState.terminated.exitCode}'), '3');

  // a memory limit: OOMKilled, reported so
  await eventually('oom Failed', async () => (await jsonpath(['pod', 'oom'], '{.status.phase}')) === 'Failed', 60_000);
  assert.equal(await jsonpath(['pod', 'oom'], '{.status.containerStatuses[0].state.terminated.reason}'), 'OOMKilled');
  assert.match(await k.ok(['get', 'pod', 'oom', '--no-headers']), /OOMKilled/);

  // readiness gates Ready
  await eventually('gated Running', async () => (await jsonpath(['pod', 'gated'], '{.status.phase}')) === 'Running');
  assert.equal(await jsonpath(['pod', 'gated'], '{.status.conditions[?(@.type=="Ready")].status}'), 'False', 'not Ready before its probe passes');
  writeFileSync(flag, '');
  await k.ok(['wait', '--for=condition=Ready', 'pod/gated', '--timeout=30s']);
});

test('a server restart keeps containers running: same container, no restart, logs continue', { timeout: 120_000 }, async () => {
  await k.ok(['run', 'keeper', '--image=busybox', '--restart=Never', '--command', '--', 'sh', '-c', 'echo started; exec sleep 3600']);
  await k.ok(['wait', '--for=condition=Ready', 'pod/keeper', '--timeout=60s']);
  const id = await jsonpath(['pod', 'keeper'], '{.status.containerStatuses[0].containerID}');
  assert.ok(id, 'a container ID');
  assert.equal(await b.stop('SIGTERM', { keepPods: true }), 0, 'the server stops cleanly');
  b = await startBerth({ dir });
  k = kubectlFor(b.kubeconfigPath);
  await eventually('the node Ready again', async () => /\sReady\s/.test(await k.ok(['get', 'nodes', '--no-headers'])), 30_000);
  // give the kubelet a few syncs: it must adopt the container, not start a new one
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await jsonpath(['pod', 'keeper'], '{.status.containerStatuses[0].containerID}'), id, 'the same container');
  assert.equal(await jsonpath(['pod', 'keeper'], '{.status.containerStatuses[0].restartCount}'), '0');
  assert.equal(await jsonpath(['pod', 'keeper'], '{.status.phase}'), 'Running');
  assert.equal((await k.ok(['logs', 'keeper'])).trim(), 'started', 'it started once');
  assert.equal((await k.ok(['exec', 'keeper', '--', 'echo', 'alive'])).trim(), 'alive');
});
