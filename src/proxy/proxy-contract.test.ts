// Runs the proxy contract (contract.ts) against both modes. Each mode runs in a child process inside a
// network namespace created here (and deleted afterwards): the API server, the proxy, the backends and the
// clients all live in it, so berth0, the unreachable route and the nat rules never touch the host's own
// network. Needs root (ip netns); skipped otherwise.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { realExec } from './exec';
import { proxyContract, type RemoteClient } from './contract';

const inside = process.env.BERTH_PROXY_TEST_NETNS;
const mode = process.env.BERTH_PROXY_TEST_MODE;

async function assertNoIptablesLeftovers(): Promise<void> {
  const save = await realExec('iptables-save', []);
  const left = save.stdout.split('\n').filter((l) => l.includes('BERTH'));
  assert.deepEqual(left, [], `nat rules/chains left after shutdown: got ${left.length}, want none`);
}

async function assertNoAddressLeftovers(): Promise<void> {
  const link = await realExec('ip', ['link', 'show', 'berth0']);
  assert.notEqual(link.code, 0, `berth0 after shutdown: got present, want removed`);
  const route = await realExec('ip', ['route', 'show', '10.43.0.0/16']);
  assert.equal(route.stdout.trim(), '', `service CIDR route after shutdown: got ${route.stdout.trim()}, want none`);
}

const REMOTE_GET = `
const http = require('node:http');
const [host, port] = process.argv.slice(1);
const req = http.get({ host, port: +port, agent: false, timeout: 3000 }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => console.log(b)); });
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => console.log('ERR ' + (e.code || e.message)));
`;

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A second namespace joined to this one by a veth pair (10.250.0.1 here, 10.250.0.2 there). */
function remoteClient(ns: string): RemoteClient {
  return {
    nodeAddress: '10.250.0.1',
    async setup() {
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', 'berth-t0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['addr', 'add', '10.250.0.1/24', 'dev', 'berth-t0']);
      sh('ip', ['link', 'set', 'berth-t0', 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', '10.250.0.2/24', 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', '10.43.0.0/16', 'via', '10.250.0.1']);
    },
    async get(host, port) {
      const r = await realExec('ip', ['netns', 'exec', ns, process.execPath, '-e', REMOTE_GET, host, String(port)]);
      return r.stdout.trim() || `ERR ${r.stderr.trim()}`;
    },
    async teardown() {
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}

if (inside && (mode === 'iptables' || mode === 'userspace')) {
  // If the test process that created our namespace dies (a runner timeout), do not linger in it.
  const parent = Number(process.env.BERTH_PROXY_TEST_PARENT);
  if (parent > 0) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        spawnSync('ip', ['netns', 'del', `${inside}-client`]);
        spawnSync('ip', ['netns', 'del', inside]);
        process.exit(1);
      }
    }, 1000).unref();
  }
  proxyContract({
    mode,
    remote: remoteClient(`${inside}-client`),
    async assertCleanedUp() {
      await assertNoIptablesLeftovers();
      await assertNoAddressLeftovers();
    },
  });
} else {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasIp = spawnSync('ip', ['-V']).status === 0;
  for (const m of ['iptables', 'userspace'] as const) {
    test(`proxy contract, ${m} mode, in a private network namespace`, { skip: !root || !hasIp ? 'needs root and iproute2' : false }, async () => {
      const ns = `berth-proxy-${process.pid}-${m}`;
      const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
      assert.equal(add.status, 0, `ip netns add ${ns}: ${add.stderr}`);
      try {
        spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        const args = ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '--test', '--test-timeout=120000', '--test-reporter=spec', import.meta.filename];
        // Own process group, so a hung suite can be killed as a whole (runner and its file process).
        const child = spawn('ip', args, {
          env: { ...process.env, BERTH_PROXY_TEST_NETNS: ns, BERTH_PROXY_TEST_MODE: m, BERTH_PROXY_TEST_PARENT: String(process.pid), NODE_TEST_CONTEXT: undefined },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const killGroup = (): void => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        };
        const limit = setTimeout(() => {
          out += '\n[killed: the suite did not finish within 200 s]\n';
          killGroup();
        }, 200_000);
        process.once('exit', killGroup);
        const code = await new Promise<number | null>((r) => child.on('close', r));
        clearTimeout(limit);
        process.off('exit', killGroup);
        for (const line of out.split('\n')) if (line.startsWith('#') && line.includes('endpoint removal')) console.log(line);
        assert.equal(code, 0, `contract suite in ${ns}: exit ${code}, want 0; output:\n${out}`);
      } finally {
        spawnSync('ip', ['netns', 'del', ns]);
      }
    });
  }
}
