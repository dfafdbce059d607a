import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigSource } from './env';
import { resolveClaimPath, type ClaimObject, type ClaimSource, type VolumeObject } from './pvc-volume';
import type { Pod } from './types';
import { setUpVolumes, tearDownVolumes, VolumeError, type VolumeHost } from './volumes';

const pod = (volumes: Pod['spec']['volumes']): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } }) as Pod;
const pvc = (phase: string, volumeName?: string, extra: Partial<ClaimObject['metadata']> = {}): ClaimObject => ({ metadata: { name: 'data', namespace: 'ns', uid: 'claim-uid', ...extra }, spec: volumeName ? { volumeName } : {}, status: { phase } });
const pv = (spec: VolumeObject['spec']): VolumeObject => ({ metadata: { name: 'pv1' }, spec });
const ref = { namespace: 'ns', name: 'data', uid: 'claim-uid' };

test('resolveClaimPath', () => {
  const cases: Array<{ name: string; claim?: ClaimObject; volume?: VolumeObject; want: { path: string } | RegExp }> = [
    { name: 'hostPath', claim: pvc('Bound', 'pv1'), volume: pv({ claimRef: ref, hostPath: { path: '/srv/a' } }), want: { path: '/srv/a' } },
    { name: 'local', claim: pvc('Bound', 'pv1'), volume: pv({ claimRef: ref, local: { path: '/mnt/disk' } }), want: { path: '/mnt/disk' } },
    { name: 'claim missing', want: /persistentvolumeclaim "data" not found/ },
    { name: 'claim pending', claim: pvc('Pending'), want: /has non-bound phase \("Pending"\) or empty pvc.Spec.VolumeName \(""\)/ },
    { name: 'claim terminating', claim: pvc('Bound', 'pv1', { deletionTimestamp: '2026-01-01T00:00:00Z' }), volume: pv({ claimRef: ref, hostPath: { path: '/a' } }), want: /PVC is being deleted/ },
    { name: 'volume missing', claim: pvc('Bound', 'pv1'), want: /persistentvolume "pv1" not found/ },
    { name: 'volume bound to another claim', claim: pvc('Bound', 'pv1'), volume: pv({ claimRef: { ...ref, uid: 'other' }, hostPath: { path: '/a' } }), want: /not bound to PVC ns\/data/ },
    { name: 'volume without claimRef', claim: pvc('Bound', 'pv1'), volume: pv({ hostPath: { path: '/a' } }), want: /not bound to PVC/ },
    { name: 'unsupported source', claim: pvc('Bound', 'pv1'), volume: pv({ claimRef: ref, nfs: { server: 'x', path: '/' } }), want: /unsupported volume source/ },
  ];
  for (const c of cases) {
    const got = resolveClaimPath(pod([]), 'data', c.claim, c.volume);
    if (c.want instanceof RegExp) assert.ok('error' in got && c.want.test(got.error), `${c.name}: got ${JSON.stringify(got)}, want error ${c.want}`);
    else assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

const noConfig: ConfigSource = { configMap: () => Promise.resolve(undefined), secret: () => Promise.resolve(undefined), services: () => [] };
const ctx = { pod: pod([]), hostIP: '127.0.0.1', nodeAllocatable: { cpu: 1, memory: 1 } };

test('setUpVolumes: persistentVolumeClaim volumes through the hook', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvc-vol-'));
  try {
    const events: string[] = [];
    const objects: { claim?: ClaimObject; volume?: VolumeObject } = {};
    const claims: ClaimSource = { claim: () => Promise.resolve(objects.claim), volume: () => Promise.resolve(objects.volume) };
    const host: VolumeHost = { podDir: (uid) => join(dir, 'pods', uid), isRoot: false, event: (_p, _t, r, m) => events.push(`${r}: ${m}`), claims };
    const p = pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }]);

    await assert.rejects(setUpVolumes(p, host, noConfig, ctx), (e: unknown) => e instanceof VolumeError && /persistentvolumeclaim "data" not found/.test(e.message), 'missing claim is a VolumeError (FailedMount)');
    objects.claim = pvc('Pending');
    await assert.rejects(setUpVolumes(p, host, noConfig, ctx), (e: unknown) => e instanceof VolumeError && /non-bound phase/.test(e.message), 'unbound claim waits');

    const target = join(dir, 'storage', 'pvc-1');
    objects.claim = pvc('Bound', 'pv1');
    objects.volume = pv({ claimRef: ref, hostPath: { path: target, type: 'DirectoryOrCreate' } });
    const got = await setUpVolumes(p, host, noConfig, ctx);
    assert.equal(got.get('d'), target, `path: got ${got.get('d')}, want ${target}`);
    assert.ok(existsSync(target), 'DirectoryOrCreate created the directory');

    objects.volume = pv({ claimRef: ref, local: { path: join(dir, 'no-such-disk') } });
    await assert.rejects(setUpVolumes(p, host, noConfig, ctx), (e: unknown) => e instanceof VolumeError && /does not exist or is not a directory/.test(e.message), 'local path must exist');
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    objects.volume = pv({ claimRef: ref, hostPath: { path: file, type: 'Directory' } });
    await assert.rejects(setUpVolumes(p, host, noConfig, ctx), (e: unknown) => e instanceof VolumeError && /not a directory/.test(e.message), 'hostPath type Directory is checked');

    objects.volume = pv({ claimRef: ref, hostPath: { path: target } });
    const ro = pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]);
    const got2 = await setUpVolumes(ro, host, noConfig, ctx);
    assert.equal(got2.get('d'), target, 'non-root: the path itself');
    assert.ok(events.some((e) => e.startsWith('ReadOnlyNotEnforced')), `events: ${events.join('; ')}`);

    const noClaims: VolumeHost = { podDir: host.podDir, isRoot: false, event: host.event };
    await assert.rejects(setUpVolumes(p, noClaims, noConfig, ctx), (e: unknown) => e instanceof VolumeError && /cannot read PersistentVolumeClaims/.test(e.message), 'no claim source');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readOnly claim as root: a read-only bind mount under the pod directory, unmounted before the pod directory goes', { skip: process.getuid?.() !== 0 ? 'needs root (mount)' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvc-ro-'));
  try {
    const target = join(dir, 'storage', 'pvc-1');
    const claims: ClaimSource = { claim: () => Promise.resolve(pvc('Bound', 'pv1')), volume: () => Promise.resolve(pv({ claimRef: ref, hostPath: { path: target, type: 'DirectoryOrCreate' } })) };
    const host: VolumeHost = { podDir: (uid) => join(dir, 'pods', uid), isRoot: true, event: () => undefined, claims };
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'keep'), 'data');
    const ro = pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]);
    const got = (await setUpVolumes(ro, host, noConfig, ctx)).get('d') ?? '';
    assert.notEqual(got, target, 'a separate mount point');
    assert.equal(readFileSync(join(got, 'keep'), 'utf8'), 'data', 'the volume content is visible');
    assert.throws(() => writeFileSync(join(got, 'new'), 'x'), /EROFS|read-only/i, 'writes fail');
    const again = (await setUpVolumes(ro, host, noConfig, ctx)).get('d');
    assert.equal(again, got, 'idempotent');
    tearDownVolumes('pod-uid', host);
    assert.equal(existsSync(join(dir, 'pods', 'pod-uid')), false, 'pod directory removed');
    assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'data', 'the volume content survives the pod teardown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
