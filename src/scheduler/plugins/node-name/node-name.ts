// NodeName: a pod that names a node (spec.nodeName) fits only that node.
import type { FilterPlugin } from '../../framework';
import { unresolvable } from '../../types';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

export function createNodeName(): FilterPlugin {
  return {
    name: NAME,
    nodeLocal: true,
    filter(_s, pod, node) {
      const want = pod.pod.spec?.nodeName;
      return !want || want === node.name ? undefined : unresolvable(ERR_REASON);
    },
  };
}
