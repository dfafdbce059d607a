import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredIngress } from './lb-status';
import type { Service } from './types';

test('desiredIngress adds only this node and only for LoadBalancer services', () => {
  const base = (type: NonNullable<Service['spec']>['type'], ingress?: Array<{ ip: string }>): Service => ({
    metadata: { name: 's', namespace: 'ns' }, spec: { type }, ...(ingress ? { status: { loadBalancer: { ingress } } } : {}),
  });
  const cases: Array<{ name: string; svc: Service; want: string[] | undefined }> = [
    { name: 'ClusterIP: nothing', svc: base('ClusterIP'), want: undefined },
    { name: 'LB without status: node added', svc: base('LoadBalancer'), want: ['192.168.50.1'] },
    { name: 'LB with another node: both, sorted', svc: base('LoadBalancer', [{ ip: '192.168.50.9' }]), want: ['192.168.50.1', '192.168.50.9'] },
    { name: 'LB already listing us: nothing', svc: base('LoadBalancer', [{ ip: '192.168.50.1' }]), want: undefined },
  ];
  for (const c of cases) {
    const got = desiredIngress(c.svc, '192.168.50.1')?.status?.loadBalancer?.ingress?.map((i) => i.ip ?? '');
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});
