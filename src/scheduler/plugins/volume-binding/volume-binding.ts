// VolumeBinding (basics): every PersistentVolumeClaim the pod uses must exist and be bound; the bound
// PersistentVolume's required node affinity must match the node. Dynamic provisioning and delayed
// binding are not done here.
import type { FilterPlugin, Handle, PreFilterPlugin } from '../../framework';
import type { NodeSelectorTerm, Status } from '../../types';
import { skip, unresolvable } from '../../types';
import { matchNodeSelectorTerms } from '../helpers';

export const NAME = 'VolumeBinding';
export const ERR_UNBOUND = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const pvcNotFound = (name: string): string => `persistentvolumeclaim "${name}" not found`;

const KEY = `${NAME}/terms`;

export function createVolumeBinding(_args: unknown, h: Handle): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    preFilter(state, pod): Status | undefined {
      const claims = (pod.pod.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
      if (claims.length === 0) return skip;
      const terms: NodeSelectorTerm[][] = [];
      for (const c of claims) {
        const pvc = h.getObject('pvc', pod.namespace, c) as { spec?: { volumeName?: string }; metadata?: { deletionTimestamp?: string } } | undefined;
        if (!pvc) return unresolvable(pvcNotFound(c));
        const vol = pvc.spec?.volumeName;
        if (!vol) return unresolvable(ERR_UNBOUND);
        const pv = h.getObject('pv', '', vol) as { spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } } | undefined;
        const t = pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
        if (t) terms.push(t);
      }
      state.write(KEY, terms);
      return undefined;
    },
    filter(state, _pod, node) {
      for (const t of state.read<NodeSelectorTerm[][]>(KEY) ?? []) if (!matchNodeSelectorTerms(t, node)) return unresolvable(ERR_NODE_CONFLICT);
      return undefined;
    },
  };
}
