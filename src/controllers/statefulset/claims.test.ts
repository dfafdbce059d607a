import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../client';
import type { Pod } from '../common/types';
import { claimOwnerRefs, type RetentionPolicy } from './claims';

const set: KubeObject = { metadata: { name: 'db', uid: 'set' } };
const pod: Pod = { metadata: { name: 'db-2', uid: 'pod' } };
const other: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'other' };
const setRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set' };
const podRef: OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: 'db-2', uid: 'pod' };
const claim = (...refs: OwnerReference[]): KubeObject => ({ metadata: { name: 'data-db-2', ownerReferences: refs } });

test('statefulset claims: ownerReferences follow persistentVolumeClaimRetentionPolicy', async (t) => {
  const cases: Array<{ name: string; policy?: RetentionPolicy; claim: KubeObject; condemned: boolean; want: string[] | undefined }> = [
    { name: 'no policy (Retain/Retain), nothing to do', claim: claim(other), condemned: false, want: undefined },
    { name: 'Retain/Retain removes our references, keeps others', policy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, claim: claim(other, setRef, podRef), condemned: true, want: ['other'] },
    { name: 'whenDeleted Delete: owned by the set', policy: { whenDeleted: 'Delete' }, claim: claim(), condemned: false, want: ['set'] },
    { name: 'whenDeleted Delete: already owned, nothing to do', policy: { whenDeleted: 'Delete' }, claim: claim(setRef), condemned: false, want: undefined },
    { name: 'whenScaled Delete, in range: no pod reference', policy: { whenScaled: 'Delete' }, claim: claim(podRef), condemned: false, want: [] },
    { name: 'whenScaled Delete, condemned: owned by the pod', policy: { whenScaled: 'Delete' }, claim: claim(), condemned: true, want: ['pod'] },
    { name: 'both Delete, condemned: the pod replaces the set', policy: { whenDeleted: 'Delete', whenScaled: 'Delete' }, claim: claim(setRef), condemned: true, want: ['pod'] },
    { name: 'both Delete, in range: the set', policy: { whenDeleted: 'Delete', whenScaled: 'Delete' }, claim: claim(podRef), condemned: false, want: ['set'] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = claimOwnerRefs(c.claim, set, pod, c.condemned, c.policy)?.map((r) => r.uid);
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    });
  }
});
