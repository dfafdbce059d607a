// ServiceAccount admission's token mount (admitServiceAccount) with an in-memory admission context.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitServiceAccount, SA_TOKEN_MOUNT_PATH, tokenVolumeSource } from './strategies';
import type { Obj } from './object';
import type { AdmissionContext } from './strategy';

function ctxWith(sas: Record<string, Obj>): AdmissionContext {
  return { lookup: (_g, plural, ns, name) => (plural === 'serviceaccounts' ? sas[`${ns}/${name}`] : undefined), list: () => [], now: () => 0 };
}

const pod = (spec: Obj, annotations?: Record<string, string>): Obj => ({
  metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { serviceAccountName: 'default', ...spec },
});

describe('admitServiceAccount', () => {
  it('copies the service account\'s imagePullSecrets to a pod without any', () => {
    const sas = { 'ns/default': { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'regcred' }] } };
    const cases: Array<{ name: string; pod: Obj; want: unknown }> = [
      { name: 'pod without secrets', pod: pod({ containers: [{ name: 'a' }] }), want: [{ name: 'regcred' }] },
      { name: 'pod with its own', pod: pod({ imagePullSecrets: [{ name: 'mine' }], containers: [{ name: 'a' }] }), want: [{ name: 'mine' }] },
      { name: 'automount off still copies', pod: pod({ automountServiceAccountToken: false, containers: [{ name: 'a' }] }), want: [{ name: 'regcred' }] },
    ];
    for (const c of cases) {
      admitServiceAccount(c.pod, ctxWith(sas));
      const got = (c.pod.spec as Obj).imagePullSecrets;
      assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    }
  });

  const sas = { 'ns/default': { metadata: { name: 'default' } }, 'ns/quiet': { metadata: { name: 'quiet' }, automountServiceAccountToken: false } };
  const cases: Array<{ name: string; pod: Obj; wantMounts: number[]; wantVolume: boolean }> = [
    { name: 'every container gets the mount', pod: pod({ initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b' }] }), wantMounts: [1, 1, 1], wantVolume: true },
    { name: 'pod opts out', pod: pod({ automountServiceAccountToken: false, containers: [{ name: 'a' }] }), wantMounts: [0], wantVolume: false },
    { name: 'service account opts out', pod: pod({ serviceAccountName: 'quiet', containers: [{ name: 'a' }] }), wantMounts: [0], wantVolume: false },
    { name: 'pod opts back in over the service account', pod: pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'a' }] }), wantMounts: [1], wantVolume: true },
    { name: 'missing service account: admitted without the mount', pod: pod({ serviceAccountName: 'ghost', containers: [{ name: 'a' }] }), wantMounts: [0], wantVolume: false },
    { name: 'mirror pod', pod: pod({ containers: [{ name: 'a' }] }, { 'kubernetes.io/config.mirror': 'x' }), wantMounts: [0], wantVolume: false },
    { name: 'a container mounting the path itself is left alone', pod: pod({ containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: SA_TOKEN_MOUNT_PATH }] }] }), wantMounts: [1], wantVolume: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      admitServiceAccount(c.pod, ctxWith(sas));
      const spec = c.pod.spec as { initContainers?: Obj[]; containers: Obj[]; volumes?: Obj[] };
      const all = [...(spec.initContainers ?? []), ...spec.containers];
      const mounts = all.map((x) => ((x.volumeMounts as Obj[] | undefined) ?? []).length);
      assert.deepEqual(mounts, c.wantMounts, `mounts per container got ${JSON.stringify(mounts)}, want ${JSON.stringify(c.wantMounts)}`);
      const vol = (spec.volumes ?? []).find((v) => String(v.name).startsWith('kube-api-access-'));
      assert.equal(!!vol, c.wantVolume, `kube-api-access volume got ${JSON.stringify(vol)}, want ${c.wantVolume ? 'present' : 'absent'}`);
      if (vol) {
        assert.match(String(vol.name), /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/, `volume name got ${String(vol.name)}`);
        assert.deepEqual(vol.projected, tokenVolumeSource(), `projection got ${JSON.stringify(vol.projected)}`);
        for (const x of all) {
          const m = ((x.volumeMounts as Obj[] | undefined) ?? [])[0];
          assert.deepEqual(m, { name: vol.name, readOnly: true, mountPath: SA_TOKEN_MOUNT_PATH }, `mount got ${JSON.stringify(m)}`);
        }
      }
    });
  }
});
