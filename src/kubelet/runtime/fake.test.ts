import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRuntimeContract } from './contract';
import { FakeRuntime } from './fake/fake-runtime';

runRuntimeContract('fake', () => Promise.resolve(new FakeRuntime({ fakeExitCodes: { 'custom/image': 9 } })), { runsProcesses: false, persistent: false, memoryLimits: 'never' });

test('fake: configured exit code per image', async () => {
  const rt = new FakeRuntime({ fakeExitCodes: { 'custom/image': 9 } });
  const sb = await rt.runPodSandbox({ uid: 'u', name: 'p', namespace: 'd', logDirectory: '/tmp/berth-fake-logs' });
  const cases = [
    { name: 'configured', image: 'custom/image', state: 'exited', code: 9 },
    { name: 'fake/exit-N', image: 'fake/exit-2', state: 'exited', code: 2 },
    { name: 'anything else runs', image: 'nginx', state: 'running', code: undefined },
  ];
  for (const c of cases) {
    const id = await rt.createContainer(sb, { name: c.name, image: c.image, logPath: `${c.name}.log` });
    await rt.startContainer(id);
    const st = await rt.containerStatus(id);
    assert.deepEqual([st.state, st.exitCode], [c.state, c.code], `${c.name}: got ${st.state}/${st.exitCode}`);
  }
  await rt.removePodSandbox(sb);
});
