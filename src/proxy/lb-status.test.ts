import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredIngress } from './lb-status';
import type { Service } from './types';

test('desiredIngress adds only this node, only for LoadBalancer services of no other class, and takes it back', () => {
  const base = (type: NonNullable<Service['spec']>['type'], ingress?: Array<{ ip: string }>): Service => ({
    metadata: { name: 's', namespace: 'ns' }, spec: { type }, ...(ingress ? { status: { loadBalancer: { ingress } } } : {}),
  });
  const cases: Array<{ name: string; svc: Service; want: string[] | undefined }> = [
    { name: 'ClusterIP: nothing', svc: base('ClusterIP'), want: undefined },
    { name: 'LB without status: node added', svc: base('LoadBalancer'), want: ['192.168.50.1'] },
    { name: 'LB with another node: both, sorted', svc: base('LoadBalancer', [{ ip: '192.168.50.9' }]), want: ['192.168.50.1', '192.168.50.9'] },
    { name: 'LB already listing us: nothing', svc: base('LoadBalancer', [{ ip: '192.168.50.1' }]), want: undefined },
    { name: 'LB of another class: nothing', svc: { ...base('LoadBalancer'), spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' } }, want: undefined },
    { name: 'no longer LB: our address removed, others kept', svc: base('ClusterIP', [{ ip: '192.168.50.1' }, { ip: '192.168.50.9' }]), want: ['192.168.50.9'] },
  ];
  for (const c of cases) {
    const got = desiredIngress(c.svc, '192.168.50.1')?.status?.loadBalancer?.ingress?.map((i) => i.ip ?? '');
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});
