// explainPod: why a pod is (or would be) placed where it is. Builds a one-off cache from the API, runs
// the pod's profile over every node without sampling, and prints per node either the plugin that
// rejected it and why, or its score breakdown. Backs `berth explain pod NAME`.
import { selectorFromMap, selectorFromSpec, type LabelSelector } from '../api/selectors';
import { Resources, type Client, type KubeObject } from '../client/index';
import { SchedulingAlgorithm } from './algorithm';
import { SchedulerCache } from './cache';
import { defaultSchedulerConfig, type SchedulerConfig } from './config';
import type { Handle } from './framework';
import { formatAmount } from './quantity';
import { createPodInfo } from './pod-info';
import { buildProfile } from './profile';
import { CycleState, type LabelSelectorSpec, type Node, type Pod } from './types';
import { WaitingPods } from './waiting-pods';

type Sel = KubeObject & { spec?: { selector?: Record<string, string> | LabelSelectorSpec } };

export async function explainPod(client: Client, namespace: string, name: string, config: SchedulerConfig = defaultSchedulerConfig()): Promise<string> {
  const podsApi = client.resource<Pod>(Resources.pods);
  const target = await podsApi.get(namespace, name);
  const [nodes, pods, pvcs, pvs, svcs, rss, namespaces, classes] = await Promise.all([
    client.resource<Node>(Resources.nodes).listAll(undefined),
    podsApi.listAll(undefined),
    client.resource(Resources.persistentvolumeclaims).list(namespace),
    client.resource(Resources.persistentvolumes).list(undefined),
    client.resource<Sel>(Resources.services).list(namespace),
    client.resource<Sel>(Resources.replicasets).list(namespace),
    client.resource(Resources.namespaces).list(undefined),
    client.resource(Resources.storageclasses).list(undefined),
  ]);
  const cache = new SchedulerCache();
  for (const ns of namespaces.items) cache.namespaceLabels.set(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
  for (const n of nodes.items) cache.upsertNode(n);
  const key = `${namespace}/${name}`;
  for (const p of pods.items) {
    const k = `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (k === key || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    if (p.spec?.nodeName) cache.addPod(createPodInfo(p), p.spec.nodeName);
    // Pending pods nominated by preemption hold their room for pods of lower priority, as in the scheduler.
    else if (p.status?.nominatedNodeName) cache.nominate(createPodInfo(p), p.status.nominatedNodeName);
  }
  const handle: Handle = {
    cache,
    getObject(kind, ns, n) {
      const named = (x: KubeObject): boolean => x.metadata?.name === n;
      switch (kind) {
        case 'pvc': return pvcs.items.find((x) => named(x) && x.metadata?.namespace === ns);
        case 'pv': return pvs.items.find(named);
        case 'storageclass': return classes.items.find(named);
        case 'pod': return pods.items.find((x) => named(x) && x.metadata?.namespace === ns);
      }
    },
    listObjects: () => pvs.items,
    ownerSelectors(pod) {
      const out: LabelSelector[] = [];
      for (const s of svcs.items) if (s.spec?.selector && Object.keys(s.spec.selector).length) out.push(selectorFromMap(s.spec.selector as Record<string, string>));
      for (const r of rss.items) if (r.spec?.selector) out.push(selectorFromSpec(r.spec.selector as LabelSelectorSpec));
      return out.filter((s) => s.matches(pod.labels));
    },
    bind: () => Promise.reject(new Error('explain does not bind')),
    waitingPods: new WaitingPods(),
  };
  const schedulerName = target.spec?.schedulerName ?? 'default-scheduler';
  const lines: string[] = [];
  // A bound pod is evaluated as if it were pending again (NodeName would otherwise pin it).
  const info = createPodInfo(target.spec?.nodeName ? { ...target, spec: { ...target.spec, nodeName: undefined } } : target);
  const req = Object.entries(info.requests).map(([k, v]) => `${k}=${formatAmount(k, v)}`).join(' ') || 'none';
  lines.push(`Pod ${key} (schedulerName ${schedulerName}, priority ${info.priority}, requests ${req})`);
  if (target.spec?.nodeName) lines.push(`Bound to node ${target.spec.nodeName}; the report below shows how the nodes look for it now.`);
  if (target.status?.nominatedNodeName) lines.push(`Nominated node: ${target.status.nominatedNodeName}`);
  const cfg = config.profiles.find((p) => p.schedulerName === schedulerName);
  if (!cfg) {
    lines.push(`No berth scheduler profile is named ${schedulerName}: berth leaves this pod alone.`);
    return `${lines.join('\n')}\n`;
  }
  const profile = buildProfile(cfg, handle);
  const algo = new SchedulingAlgorithm({ cache, percentageOfNodesToScore: 100, techniques: { equivalenceClasses: false, scoreCache: false, sampling: false }, random: () => 0 });
  const state = new CycleState();
  const all = cache.nodeList();
  const pre = algo.preFilter(profile, state, info);
  if (pre) {
    lines.push(`0/${all.length} nodes are available: PreFilter ${pre.plugin ?? ''} rejected the pod: ${pre.reasons.join(', ')}`);
    return `${lines.join('\n')}\n`;
  }
  const { feasible, statuses } = algo.findFeasible(profile, state, info, true);
  const scores = feasible.length ? algo.prioritize(profile, state, info, feasible, true) : [];
  lines.push(`${feasible.length}/${all.length} nodes fit.`);
  const width = Math.max(4, ...all.map((n) => n.name.length));
  lines.push(`${'NODE'.padEnd(width)}  RESULT    DETAILS`);
  const byScore = [...scores].sort((a, b) => b.total - a.total);
  for (const s of byScore) {
    const parts = Object.entries(s.byPlugin).map(([p, v]) => `${p} ${Math.round(v)}`).join(', ');
    lines.push(`${s.node.padEnd(width)}  score     ${Math.round(s.total)} = ${parts || 'no score plugins'}`);
  }
  for (const n of all) {
    const st = statuses.get(n.name);
    if (st) lines.push(`${n.name.padEnd(width)}  rejected  ${st.plugin ?? '?'}: ${st.reasons.join(', ')}${st.code === 'UnschedulableAndUnresolvable' ? ' (preemption cannot help)' : ''}`);
  }
  if (byScore[0]) lines.push(`Best node: ${byScore[0].node}`);
  else if (all.length > 0) {
    // What PostFilter (preemption) would do now, as a dry run: nothing is deleted.
    for (const pf of profile.postFilter) {
      const res = pf.postFilter(state, info, statuses, algo.filterRunner(profile));
      if (res.nominatedNodeName) {
        lines.push(`Preemption (${pf.name}) would nominate node ${res.nominatedNodeName}, evicting ${res.victims?.map((v) => v.key).join(', ') || 'no pods'}.`);
        break;
      }
      if (res.status.reasons.length) lines.push(`Preemption (${pf.name}): ${res.status.reasons.join(', ').replace(/^preemption: /, '')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
