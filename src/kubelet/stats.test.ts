// The Summary API with the real process runtime: a busy loop shows up as about one core, a sleeper as
// almost none, for both accounting paths (cgroups when root, /proc of the process group otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRuntime } from './runtime/process/process-runtime';
import { summary } from './stats';
import type { Pod } from './types';

interface ContainerStat { name: string; cpu: { usageNanoCores?: number; usageCoreNanoSeconds?: number }; memory: { workingSetBytes?: number } }
interface SummaryShape { node: { nodeName: string; startTime: string; cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number } }; pods: Array<{ podRef: { name: string }; containers: ContainerStat[] }> }

const variants = [
  { name: 'cgroups', disableCgroups: false },
  { name: '/proc of the process group', disableCgroups: true },
];

for (const v of variants) {
  test(`kubelet stats (${v.name}): per-container cpu and memory of real processes`, async (t) => {
    if (!v.disableCgroups && process.getuid?.() !== 0) {
      t.skip('not root: no cgroups');
      return;
    }
    const root = mkdtempSync(join(tmpdir(), 'berth-stats-'));
    const rt = await ProcessRuntime.open({ rootDir: join(root, 'state'), disableCgroups: v.disableCgroups });
    t.after(async () => {
      for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id);
      await rt.close();
      rmSync(root, { recursive: true, force: true });
    });
    const uid = `stats-${process.pid}-${v.disableCgroups ? 'proc' : 'cg'}`;
    const sb = await rt.runPodSandbox({ uid, name: 'p', namespace: 'default', logDirectory: join(root, 'logs') });
    // A full core's weight (1000m request), so the busy loop gets measurable cpu even on a loaded machine.
    const start = async (name: string, script: string): Promise<string> => {
      const id = await rt.createContainer(sb, { name, image: 'x', command: ['/bin/sh', '-c', script], logPath: `${name}.log`, resources: { cpuShares: 1024 } });
      await rt.startContainer(id);
      return id;
    };
    const busy = await start('busy', 'while :; do :; done');
    const idle = await start('idle', 'sleep 600');
    const now = new Date().toISOString();
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'default', uid },
      spec: { containers: [{ name: 'busy', image: 'x' }, { name: 'idle', image: 'x' }] },
      status: {
        phase: 'Running', startTime: now,
        containerStatuses: [
          { name: 'busy', containerID: `process://${busy}`, state: { running: { startedAt: now } } },
          { name: 'idle', containerID: `process://${idle}`, state: { running: { startedAt: now } } },
        ],
      },
    } as unknown as Pod;
    const first = (await summary(rt, [pod], 'node-a')) as SummaryShape;
    const c0 = first.pods[0]?.containers ?? [];
    assert.equal(c0.length, 2, `got ${c0.length} containers, want 2`);
    assert.equal(c0[0]?.cpu.usageNanoCores, undefined, 'no rate is known at the first reading: omitted, not 0');
    assert.equal(first.node.nodeName, 'node-a', 'node name reported');
    assert.ok(Date.parse(first.node.startTime) < Date.now() - 1000, `node startTime ${first.node.startTime} is the boot time, not now`);
    await new Promise((r) => setTimeout(r, 1500));
    const second = (await summary(rt, [pod], 'node-a')) as SummaryShape;
    const byName = new Map((second.pods[0]?.containers ?? []).map((c) => [c.name, c]));
    const busyCores = (byName.get('busy')?.cpu.usageNanoCores ?? 0) / 1e9;
    const idleCores = (byName.get('idle')?.cpu.usageNanoCores ?? 1e9) / 1e9;
    // A lone busy loop gets about a core; how much it gets on a loaded machine depends on the load, so check
    // only that it is clearly measured, bounded by one core, and far above a sleeper.
    assert.ok(busyCores > 0.02 && busyCores < 1.2, `busy loop: got ${busyCores} cores, want 0.02..1.2 (about 1 on an idle machine)`);
    assert.ok(idleCores < 0.01 && idleCores * 5 < busyCores, `sleeper: got ${idleCores} cores (busy ${busyCores}), want about 0`);
    // The rate is the cumulative counter's slope between the two readings.
    const cum1 = c0.find((c) => c.name === 'busy')?.cpu.usageCoreNanoSeconds ?? 0;
    const cum2 = byName.get('busy')?.cpu.usageCoreNanoSeconds ?? 0;
    assert.ok(cum2 > cum1, `cumulative cpu grows: got ${cum1} then ${cum2}`);
    const mem = byName.get('busy')?.memory.workingSetBytes ?? 0;
    assert.ok(mem > 64 * 1024 && mem < 512 * 1024 * 1024, `busy loop working set: got ${mem} bytes, want a plausible shell's`);
    assert.ok((byName.get('busy')?.cpu.usageCoreNanoSeconds ?? 0) > 0, 'cumulative cpu reported');
  });
}
