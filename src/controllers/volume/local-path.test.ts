import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANN_LOCAL_PATH_NODE, defaultStorageClass, LOCAL_PATH_PROVISIONER, provisionedVolume, removeVolumeDir } from './local-path';
import { ANN_PROVISIONED_BY, isDefaultClass, type PersistentVolumeClaim } from './types';

const claim = (spec: PersistentVolumeClaim['spec']): PersistentVolumeClaim => ({ metadata: { name: 'data', namespace: 'ns', uid: 'u-1', resourceVersion: '7' }, spec });

test('provisionedVolume', () => {
  const sc = defaultStorageClass();
  assert.ok(isDefaultClass(sc), 'local-path is the default class');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  const cases: Array<{ name: string; c: PersistentVolumeClaim; want: { size: string; modes: string[] } }> = [
    { name: 'request and modes copied', c: claim({ resources: { requests: { storage: '5Gi' } }, accessModes: ['ReadWriteOncePod'] }), want: { size: '5Gi', modes: ['ReadWriteOncePod'] } },
    { name: 'no request: 1Gi, RWO', c: claim({}), want: { size: '1Gi', modes: ['ReadWriteOnce'] } },
  ];
  for (const c of cases) {
    const v = provisionedVolume(c.c, sc, 'node-1', '/var/lib/berth/storage');
    assert.equal(v.metadata.name, 'pvc-u-1', `${c.name}: name`);
    assert.equal(v.spec?.capacity?.['storage'], c.want.size, `${c.name}: capacity got ${v.spec?.capacity?.['storage']}, want ${c.want.size}`);
    assert.deepEqual(v.spec?.accessModes, c.want.modes, `${c.name}: access modes`);
    assert.equal(v.spec?.hostPath?.path, '/var/lib/berth/storage/pvc-u-1_ns_data', `${c.name}: path`);
    assert.deepEqual(v.spec?.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'u-1', resourceVersion: '7' }, `${c.name}: pre-bound claimRef`);
    assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(v.metadata.annotations?.[ANN_PROVISIONED_BY], LOCAL_PATH_PROVISIONER);
    assert.equal(v.metadata.annotations?.[ANN_LOCAL_PATH_NODE], 'node-1');
    assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }]);
  }
});

test('removeVolumeDir removes only directories strictly inside the base', () => {
  const root = mkdtempSync(join(tmpdir(), 'lp-rm-'));
  try {
    const base = join(root, 'storage');
    const mk = (p: string): string => {
      mkdirSync(p, { recursive: true });
      writeFileSync(join(p, 'f'), 'x');
      return p;
    };
    const cases: Array<{ name: string; dir: string; want: boolean }> = [
      { name: 'a volume dir', dir: mk(join(base, 'pvc-1_ns_a')), want: true },
      { name: 'the base itself', dir: mk(base), want: false },
      { name: 'outside via ..', dir: join(base, '..', 'other'), want: false },
      { name: 'a sibling with the base as prefix', dir: mk(join(root, 'storage-other')), want: false },
      { name: 'elsewhere', dir: mk(join(root, 'elsewhere')), want: false },
    ];
    mk(join(root, 'other'));
    for (const c of cases) {
      const got = removeVolumeDir(base, c.dir);
      assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
      if (!c.want) assert.ok(existsSync(c.dir), `${c.name}: still there`);
      else assert.equal(existsSync(c.dir), false, `${c.name}: removed`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
