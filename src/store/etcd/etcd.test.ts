import { after, before } from 'node:test';
import { runStoreContract } from '../contract';
import { startEtcd } from './etcd-process';
import type { EtcdProcess } from './etcd-process';
import { EtcdStore } from './etcd-store';

let etcd: EtcdProcess | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

runStoreContract('etcd', async () => {
  if (!etcd) throw new Error('etcd did not start');
  const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
  return { store, cleanup: () => store.close() };
});
