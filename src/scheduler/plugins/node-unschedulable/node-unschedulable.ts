// NodeUnschedulable: nodes with spec.unschedulable (cordoned) only take pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { FilterPlugin } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo } from '../../pod-info';
import { unresolvable, type Status } from '../../types';
import { toleratedBy } from '../helpers';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function createNodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    nodeLocal: true,
    filter(_s, pod: PodInfo, node: NodeInfo): Status | undefined {
      if (!node.unschedulable || toleratedBy(pod.tolerations, TAINT)) return undefined;
      return unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
