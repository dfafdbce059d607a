// kubectl end to end against `berth server` on a real etcd (Debian's etcd-server, started on loopback).
import { startEtcd, type EtcdProcess } from '../../src/store/etcd/etcd-process';
import { kubectlSuite } from './kubectl-suite';

let etcd: EtcdProcess | undefined;
kubectlSuite(
  'etcd',
  async () => {
    etcd ??= await startEtcd();
    return ['--datastore', `etcd://${etcd.endpoint.replace(/^https?:\/\//, '')}`];
  },
  async () => {
    await etcd?.stop();
  },
);
