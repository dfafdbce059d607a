// NodePorts: a pod's host ports must be free on the node (same protocol and port; 0.0.0.0 clashes with
// every address).
import type { FilterPlugin, PreFilterPlugin } from '../../framework';
import { skip, unschedulable } from '../../types';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export function createNodePorts(): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    nodeLocal: true,
    preFilter: (_s, pod) => (pod.hostPorts.length === 0 ? skip : undefined),
    filter(_s, pod, node) {
      for (const hp of pod.hostPorts) if (node.portInUse(hp)) return unschedulable(ERR_REASON);
      return undefined;
    },
  };
}
