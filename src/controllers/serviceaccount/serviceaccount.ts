// ServiceAccount controller: every active namespace has a `default` ServiceAccount (recreated if deleted).
import { deletedObject, isAlreadyExists, Resources, type Client, type KubeObject, type Lister } from '../../client';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import type { Namespace } from '../namespace/namespace';

export interface ServiceAccountReconcilerDeps {
  client: Client;
  nsLister: Lister<Namespace>;
  saLister: Lister<KubeObject>;
}

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function createServiceAccountReconciler(d: ServiceAccountReconcilerDeps): (req: Request) => Promise<Result> {
  const sas = d.client.resource(Resources.serviceaccounts);
  return async function reconcile(req) {
    const ns = d.nsLister.get(undefined, req.name);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return {};
    if (d.saLister.get(req.name, 'default')) return {};
    try {
      await sas.create(req.name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: req.name } });
    } catch (e) {
      if (isAlreadyExists(e) || /is being terminated|NamespaceTerminating/.test(errMsg(e))) return {};
      throw e;
    }
    return {};
  };
}

export const serviceAccountController: ControllerFactory = (ctx: ControllerContext) => {
  const nsInf = ctx.informers.informerFor<Namespace>(Resources.namespaces);
  const saInf = ctx.informers.informerFor<KubeObject>(Resources.serviceaccounts);
  nsInf.addEventHandler({ onAdd: (ns) => ctx.enqueue(ns.metadata?.name ?? ''), onUpdate: (_o, ns) => ctx.enqueue(ns.metadata?.name ?? '') });
  saInf.addEventHandler({
    onDelete: (x) => {
      const sa = deletedObject(x);
      if (sa.metadata?.name === 'default') ctx.enqueue(sa.metadata.namespace ?? '');
    },
  });
  return { name: 'serviceaccount', workers: 2, reconcile: createServiceAccountReconciler({ client: ctx.client, nsLister: nsInf.lister, saLister: saInf.lister }) };
};
