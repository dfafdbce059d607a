// The informers the scheduler watches and the Handle plugins see: nodes and pods feed the cache; PVCs,
// PVs, StorageClasses, PDBs and the workload objects whose selectors drive default spreading are only
// looked up.
import { selectorFromMap, selectorFromSpec, type LabelSelector } from '../api/selectors';
import { Resources, createInformer, type Client, type Clock, type Informer, type KubeObject } from '../client/index';
import type { SchedulerCache } from './cache';
import type { Handle } from './framework';
import type { PodInfo } from './pod-info';
import type { Pdb } from './plugins/default-preemption/default-preemption';
import type { LabelSelectorSpec, Node, Pod } from './types';
import type { WaitingPods } from './waiting-pods';

export interface Informers {
  all: Array<Informer<KubeObject>>;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  pvcs: Informer<KubeObject>;
  pvs: Informer<KubeObject>;
  /** StorageClasses: VolumeBinding's delayed binding (volumeBindingMode, provisioner, allowedTopologies). */
  storageClasses: Informer<KubeObject>;
  pdbs: Informer<KubeObject>;
  /** Namespace labels, for namespaceSelector in pod affinity terms. */
  namespaces: Informer<KubeObject>;
  /** services, replicationcontrollers, replicasets, statefulsets */
  owners: Array<Informer<KubeObject>>;
}

/** Drops what the scheduler never reads (managedFields, last-applied annotations) to keep 10k pods small. */
function slim<T extends KubeObject>(o: T): T {
  const meta = o.metadata as (Record<string, unknown> & { annotations?: Record<string, string> }) | undefined;
  const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
  if (!meta || (!meta.managedFields && !meta.annotations?.[lastApplied])) return o;
  const m = { ...meta };
  delete m.managedFields;
  if (m.annotations?.[lastApplied]) {
    m.annotations = { ...m.annotations };
    delete m.annotations[lastApplied];
  }
  return { ...o, metadata: m } as T;
}

export function createInformers(client: Client, clock: Clock, onError: (e: unknown, where: string) => void): Informers {
  const all: Array<Informer<KubeObject>> = [];
  const mk = <T extends KubeObject>(ref: (typeof Resources)[keyof typeof Resources]): Informer<T> => {
    const inf = createInformer<T>({ client, resource: ref, clock, onError, transform: slim, pageSize: 5000 });
    all.push(inf as unknown as Informer<KubeObject>);
    return inf;
  };
  const pods = mk<Pod>(Resources.pods);
  return {
    all,
    nodes: mk<Node>(Resources.nodes),
    pods,
    pvcs: mk(Resources.persistentvolumeclaims),
    pvs: mk(Resources.persistentvolumes),
    storageClasses: mk(Resources.storageclasses),
    pdbs: mk(Resources.poddisruptionbudgets),
    namespaces: mk(Resources.namespaces),
    owners: [mk(Resources.services), mk(Resources.replicationcontrollers), mk(Resources.replicasets), mk(Resources.statefulsets)],
  };
}


type WithSelector = KubeObject & { spec?: { selector?: Record<string, string> | LabelSelectorSpec } };

export interface HandleDeps {
  cache: SchedulerCache;
  informers: Informers;
  bind: (pod: PodInfo, node: string) => Promise<void>;
  waitingPods: WaitingPods;
  client: Client;
  clock: Clock;
}

export function createHandle(d: HandleDeps): Handle & { pdbs(): Pdb[] } {
  const { cache, informers: inf, bind, waitingPods } = d;
  const selCache = new WeakMap<object, LabelSelector | null>();
  const selectorOf = (o: WithSelector, isMap: boolean): LabelSelector | null => {
    let s = selCache.get(o);
    if (s !== undefined) return s;
    try {
      const raw = o.spec?.selector;
      s = raw === undefined ? null : isMap ? selectorFromMap(raw as Record<string, string>) : selectorFromSpec(raw as LabelSelectorSpec);
      if (s && s.empty) s = null;
    } catch {
      s = null;
    }
    selCache.set(o, s);
    return s;
  };
  return {
    cache,
    getObject(kind, ns, name) {
      switch (kind) {
        case 'pvc': return inf.pvcs.lister.get(ns, name);
        case 'pv': return inf.pvs.lister.get(undefined, name);
        case 'storageclass': return inf.storageClasses.lister.get(undefined, name);
        case 'pod': return inf.pods.lister.get(ns, name);
      }
    },
    listObjects: () => inf.pvs.lister.list(),
    client: d.client,
    clock: d.clock,
    ownerSelectors(pod) {
      const out: LabelSelector[] = [];
      inf.owners.forEach((o, i) => {
        for (const obj of o.lister.list(pod.namespace) as WithSelector[]) {
          const s = selectorOf(obj, i < 2);
          if (s && s.matches(pod.labels)) out.push(s);
        }
      });
      return out;
    },
    bind,
    waitingPods,
    pdbs() {
      return inf.pdbs.lister.list().map((p) => {
        const x = p as KubeObject & { spec?: { selector?: LabelSelectorSpec }; status?: { disruptionsAllowed?: number } };
        return { namespace: x.metadata?.namespace ?? '', selector: x.spec?.selector, disruptionsAllowed: x.status?.disruptionsAllowed ?? 0 };
      });
    },
  };
}
