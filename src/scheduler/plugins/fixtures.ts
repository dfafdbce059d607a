// Builders for plugin unit tests: a cache holding nodes and bound pods, and a Handle over it.
import { SchedulerCache } from '../cache';
import type { Handle } from '../framework';
import type { NodeInfo } from '../node-info';
import { createPodInfo, type PodInfo } from '../pod-info';
import { makeNode, makePod, type NodeSpec } from '../testing';
import type { KubeObject } from '../../client/index';
import type { Pod } from '../types';
import { WaitingPods } from '../waiting-pods';

export { makeNode, makePod };

export interface World {
  cache: SchedulerCache;
  handle: Handle;
  node(name: string): NodeInfo;
  pod(name: string, spec?: Parameters<typeof makePod>[1]): PodInfo;
}

/** nodes: name → spec; bound: [podName, nodeName, spec]; objects: `pvc/<ns>/<name>`, `pod/<ns>/<name>`, `pv/<name>`, `storageclass/<name>` */
export function world(nodes: Record<string, NodeSpec>, bound: Array<[string, string, Parameters<typeof makePod>[1]?]> = [], objects: Record<string, KubeObject> = {}): World {
  const cache = new SchedulerCache();
  for (const [n, s] of Object.entries(nodes)) cache.upsertNode(makeNode(n, s));
  for (const [p, n, s] of bound) cache.addPod(createPodInfo(makePod(p, s)), n);
  const handle: Handle = {
    cache,
    getObject: (kind, ns, name) => objects[kind === 'pvc' || kind === 'pod' ? `${kind}/${ns}/${name}` : `${kind}/${name}`],
    listObjects: (kind) => Object.entries(objects).filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => o),
    ownerSelectors: () => [],
    bind: () => Promise.resolve(),
    waitingPods: new WaitingPods(),
  };
  return {
    cache, handle,
    node: (name) => {
      const n = cache.nodes.get(name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    pod: (name, spec) => createPodInfo(makePod(name, spec) as Pod),
  };
}
