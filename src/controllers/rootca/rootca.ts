// Root CA publisher (upstream root-ca-cert-publisher): every active namespace has the ConfigMap
// `kube-root-ca.crt` with the API server's CA bundle under `ca.crt`, which projected service-account token
// volumes mount. Edited or deleted copies are put back.
import { deletedObject, isAlreadyExists, isNotFound, Resources, type Client, type KubeObject, type Lister } from '../../client';
import type { Namespace } from '../namespace/namespace';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

interface ConfigMap extends KubeObject { data?: Record<string, string> }

export interface RootCAReconcilerDeps {
  client: Client;
  caPem: string;
  namespaces: Lister<Namespace>;
  configmaps: Lister<ConfigMap>;
}

export function createRootCAReconciler(d: RootCAReconcilerDeps): (req: Request) => Promise<Result> {
  const api = d.client.resource<ConfigMap>(Resources.configmaps);
  return async function reconcile(req) {
    const ns = d.namespaces.get(undefined, req.name);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return {};
    const cur = d.configmaps.get(req.name, ROOT_CA_CONFIGMAP);
    const annotations = { 'kubernetes.io/description': DESCRIPTION };
    if (!cur) {
      await api.create(req.name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: req.name, annotations }, data: { 'ca.crt': d.caPem } }).catch((e: unknown) => {
        if (!isAlreadyExists(e) && !/is being terminated/.test(String(e))) throw e;
      });
      return {};
    }
    if (cur.data?.['ca.crt'] === d.caPem && Object.keys(cur.data).length === 1 && cur.metadata?.annotations?.['kubernetes.io/description'] === DESCRIPTION) return {};
    const next = structuredClone(cur);
    next.data = { 'ca.crt': d.caPem };
    next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, ...annotations } };
    await api.update(req.name, next).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    return {};
  };
}

export const rootCAController: ControllerFactory = (ctx: ControllerContext) => {
  const nsInf = ctx.informers.informerFor<Namespace>(Resources.namespaces);
  const cmInf = ctx.informers.informerFor<ConfigMap>(Resources.configmaps);
  nsInf.addEventHandler({ onAdd: (n) => ctx.enqueue(n.metadata?.name ?? ''), onUpdate: (_o, n) => ctx.enqueue(n.metadata?.name ?? '') });
  const onCM = (c: ConfigMap): void => {
    if (c.metadata?.name === ROOT_CA_CONFIGMAP) ctx.enqueue(c.metadata.namespace ?? '');
  };
  cmInf.addEventHandler({ onUpdate: (_o, c) => onCM(c), onDelete: (x) => onCM(deletedObject(x)) });
  const caPem = ctx.client.config.ca?.toString('utf8') ?? '';
  return {
    name: 'root-ca-cert-publisher', workers: 2,
    reconcile: caPem ? createRootCAReconciler({ client: ctx.client, caPem, namespaces: nsInf.lister, configmaps: cmInf.lister }) : async () => ({}),
  };
};
