import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podResolvConf, type PodResolvConfOptions } from './resolv-conf';

const HOST = 'nameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example lab.example\noptions edns0 timeout:2\n';

test('podResolvConf follows the kubelet per dnsPolicy', () => {
  const base: PodResolvConfOptions = { namespace: 'shop', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', hostResolvConf: HOST };
  const cases: Array<{ name: string; o: Partial<PodResolvConfOptions>; want: string }> = [
    {
      name: 'ClusterFirst',
      o: { dnsPolicy: 'ClusterFirst' },
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    },
    { name: 'ClusterFirst on hostNetwork is Default', o: { dnsPolicy: 'ClusterFirst', hostNetwork: true }, want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0 timeout:2\n' },
    {
      name: 'ClusterFirstWithHostNet',
      o: { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true },
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    },
    { name: 'Default', o: { dnsPolicy: 'Default' }, want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0 timeout:2\n' },
    { name: 'None without dnsConfig is empty', o: { dnsPolicy: 'None' }, want: '' },
    {
      name: 'None with dnsConfig',
      o: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } },
      want: 'search a.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n',
    },
    {
      name: 'ClusterFirst merges dnsConfig (dedupe, pod options win)',
      o: { dnsConfig: { nameservers: ['10.43.0.10', '9.9.9.9'], searches: ['cluster.local', 'x.example'], options: [{ name: 'ndots', value: '1' }] } },
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example x.example\nnameserver 10.43.0.10\nnameserver 9.9.9.9\noptions ndots:1\n',
    },
    { name: 'no clusterDNS falls back to Default', o: { clusterDNS: [] }, want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0 timeout:2\n' },
    {
      name: 'at most 3 nameservers',
      o: { dnsPolicy: 'Default', dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8'] } },
      want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nnameserver 1.1.1.1\noptions edns0 timeout:2\n',
    },
  ];
  for (const c of cases) {
    const got = podResolvConf({ ...base, ...c.o });
    assert.equal(got, c.want, `${c.name}: got\n${got}want\n${c.want}`);
  }
  assert.throws(() => podResolvConf({ ...base, dnsPolicy: 'Bogus' }), /dnsPolicy/);
});
