import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findBestMatch, nodeMatchesTerms, volumeUnsuitableReason, type MatchOptions } from './matching';
import type { PersistentVolume, PersistentVolumeClaim } from './types';

const pv = (name: string, size: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}, labels?: Record<string, string>, phase?: string): PersistentVolume => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'fast', ...extra },
  ...(phase ? { status: { phase: phase as 'Available' } } : {}),
});
const pvc = (size: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'fast', ...extra },
});
const onNode = (node: string) => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } });

test('findBestMatch', () => {
  const cases: Array<{ name: string; claim: PersistentVolumeClaim; volumes: PersistentVolume[]; opts?: MatchOptions; want: string | undefined }> = [
    { name: 'smallest fit wins', claim: pvc('1Gi'), volumes: [pv('big', '10Gi'), pv('small', '2Gi'), pv('tiny', '500Mi')], want: 'small' },
    { name: 'exact size fits (1Gi = 1024Mi)', claim: pvc('1Gi'), volumes: [pv('a', '1024Mi')], want: 'a' },
    { name: 'decimal vs binary: 1G < 1Gi', claim: pvc('1Gi'), volumes: [pv('a', '1G')], want: undefined },
    { name: 'class must be equal', claim: pvc('1Gi'), volumes: [pv('slow', '5Gi', { storageClassName: 'slow' }), pv('ok', '8Gi')], want: 'ok' },
    { name: 'empty class matches only empty class', claim: pvc('1Gi', { storageClassName: '' }), volumes: [pv('fast', '1Gi'), pv('none', '9Gi', { storageClassName: '' })], want: 'none' },
    { name: 'access modes must be a superset', claim: pvc('1Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), volumes: [pv('rwo', '1Gi'), pv('both', '5Gi', { accessModes: ['ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteMany'] })], want: 'both' },
    { name: 'volumeMode must match (default Filesystem)', claim: pvc('1Gi', { volumeMode: 'Block' }), volumes: [pv('fs', '1Gi'), pv('blk', '3Gi', { volumeMode: 'Block' })], want: 'blk' },
    { name: 'volumes with a claimRef are taken', claim: pvc('1Gi'), volumes: [pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'u2' } }), pv('free', '2Gi')], want: 'free' },
    { name: 'released and failed volumes are not reused', claim: pvc('1Gi'), volumes: [pv('rel', '1Gi', {}, undefined, 'Released'), pv('fail', '1Gi', {}, undefined, 'Failed')], want: undefined },
    { name: 'pre-bound volume wins over a smaller free one', claim: pvc('1Gi'), volumes: [pv('free', '1Gi'), pv('mine', '5Gi', { claimRef: { namespace: 'ns', name: 'data' } })], want: 'mine' },
    { name: 'pre-bound to another UID is not ours', claim: pvc('1Gi'), volumes: [pv('old', '1Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'gone' } })], want: undefined },
    { name: 'selector filters by labels', claim: pvc('1Gi', { selector: { matchLabels: { tier: 'db' } } }), volumes: [pv('a', '1Gi', {}, { tier: 'web' }), pv('b', '2Gi', {}, { tier: 'db' })], want: 'b' },
    { name: 'selector matchExpressions', claim: pvc('1Gi', { selector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] } }), volumes: [pv('a', '1Gi', {}, { zone: 'a' }), pv('b', '2Gi', {}, { zone: 'b' })], want: 'b' },
    { name: 'delayed binding without node picks nothing', claim: pvc('1Gi'), volumes: [pv('a', '1Gi')], opts: { delayBinding: true }, want: undefined },
    { name: 'delayed binding with node respects affinity', claim: pvc('1Gi'), volumes: [pv('n1', '1Gi', onNode('n1')), pv('n2', '2Gi', onNode('n2'))], opts: { delayBinding: true, node: { name: 'n2', labels: { 'kubernetes.io/hostname': 'n2' } } }, want: 'n2' },
    { name: 'delayed binding keeps a pre-bound volume', claim: pvc('1Gi'), volumes: [pv('mine', '1Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'u1' } })], opts: { delayBinding: true }, want: 'mine' },
    { name: 'too small pre-bound volume does not fit', claim: pvc('2Gi'), volumes: [pv('mine', '1Gi', { claimRef: { namespace: 'ns', name: 'data' } })], want: undefined },
    { name: 'no request matches any size', claim: { metadata: { name: 'x', namespace: 'ns' }, spec: { storageClassName: 'fast' } }, volumes: [pv('a', '1Mi')], want: 'a' },
  ];
  for (const c of cases) {
    const got = findBestMatch(c.claim, c.volumes, c.opts)?.metadata.name;
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('volumeUnsuitableReason', () => {
  const cases: Array<{ name: string; v: PersistentVolume; c: PersistentVolumeClaim; want: string | undefined }> = [
    { name: 'fits', v: pv('a', '1Gi'), c: pvc('1Gi'), want: undefined },
    { name: 'too small', v: pv('a', '1Gi'), c: pvc('2Gi'), want: 'requested PV is too small' },
    { name: 'class', v: pv('a', '1Gi', { storageClassName: 'x' }), c: pvc('1Gi'), want: 'storageClassName does not match' },
    { name: 'mode', v: pv('a', '1Gi', { volumeMode: 'Block' }), c: pvc('1Gi'), want: 'incompatible volumeMode' },
    { name: 'access', v: pv('a', '1Gi', { accessModes: ['ReadOnlyMany'] }), c: pvc('1Gi'), want: 'incompatible accessMode' },
  ];
  for (const c of cases) {
    const got = volumeUnsuitableReason(c.v, c.c);
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('nodeMatchesTerms', () => {
  const node = { name: 'n1', labels: { zone: 'a', 'kubernetes.io/hostname': 'n1', cores: '8' } };
  const cases: Array<{ name: string; terms: Parameters<typeof nodeMatchesTerms>[0]; want: boolean }> = [
    { name: 'In matches', terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }], want: true },
    { name: 'NotIn excludes', terms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }], want: false },
    { name: 'terms are ORed', terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }], want: true },
    { name: 'requirements are ANDed', terms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' }] }], want: false },
    { name: 'Gt', terms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }], want: true },
    { name: 'matchFields metadata.name', terms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], want: true },
    { name: 'empty term matches nothing', terms: [{}], want: false },
  ];
  for (const c of cases) {
    const got = nodeMatchesTerms(c.terms, node);
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
