// `berth agent` joining a real API server with the join token (K10<sha256(CA)>::node:<secret>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, Resources } from '../client';
import { ensurePki } from '../apiserver/auth/pki';
import { startTestServer } from '../../test/support/server';
import { parseLabels, parseTaints, runAgentCommand, tokenCaHash } from './agent-command';
import { waitUntil } from './testing/harness';
import type { Node } from './types';

test('flag parsing: labels, taints, token', () => {
  assert.deepEqual(parseLabels('a=1,b/c=x'), { a: '1', 'b/c': 'x' });
  assert.deepEqual(parseTaints('dedicated=gpu:NoSchedule,spot:PreferNoSchedule'), [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' },
  ]);
  assert.throws(() => parseTaints('x=y:Sometimes'), /invalid taint/);
  assert.throws(() => parseLabels('novalue'), /invalid node label/);
  assert.equal(tokenCaHash(`K10${'ab'.repeat(32)}::node:s`), 'ab'.repeat(32));
  assert.throws(() => tokenCaHash('plain-token'), /not a join token/);
});

test('berth agent refuses a CA that does not match the token, and joins with the right one', async () => {
  const server = await startTestServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-'));
  try {
    const errs: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await runAgentCommand(['--server', server.url, '--token', `K10${'0'.repeat(64)}::node:nope`, '--data-dir', dataDir]);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(code, 1, `exit code: got ${code}`);
    assert.match(errs.join(''), /does not match the join token/);

    const token = ensurePki(join(server.dir, 'tls')).nodeToken;
    const script = `import { runAgentCommand } from ${JSON.stringify(join(import.meta.dirname, 'agent-command.ts'))};
process.exitCode = await runAgentCommand(process.argv.slice(1));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--',
      '--server', server.url, '--token', token, '--data-dir', dataDir, '--node-ip', '127.0.0.1', '--node-name', 'joined', '--proxy-mode', 'none',
      '--kubelet-port', '0', '--runtime', 'fake', '--node-labels', 'role=edge', '--register-with-taints', 'edge=true:NoSchedule'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = createClient({ server: server.url, ca: Buffer.from(server.caPem), token: server.token });
    try {
      const node = await waitUntil(async () => {
        const n = await client.resource<Node>(Resources.nodes).get(undefined, 'joined');
        return n.status?.conditions?.length ? n : undefined;
      }, `node "joined" registered (agent stderr: ${stderr})`, 30_000);
      assert.equal(node.metadata.labels?.role, 'edge');
      assert.deepEqual(node.spec?.taints, [{ key: 'edge', value: 'true', effect: 'NoSchedule' }]);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, `agent exit code after SIGTERM (stderr: ${stderr})`);
      client.close();
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
