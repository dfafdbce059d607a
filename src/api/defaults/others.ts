// Defaults of the non-core groups: networking, autoscaling, rbac, scheduling, storage, discovery.

import { type Obj, eachObj, ensureObj, isObj, setDefault, setDefaultStr } from './util';

export function defaultNetworkPolicy(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  for (const dir of ['ingress', 'egress']) {
    eachObj(spec[dir], (rule) => eachObj(rule.ports, (p) => setDefaultStr(p, 'protocol', 'TCP')));
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    spec.policyTypes = types;
  }
}

function scaleRules(rules: unknown, up: boolean): Obj {
  const r: Obj = isObj(rules) ? rules : {};
  setDefault(r, 'stabilizationWindowSeconds', up ? 0 : 300);
  setDefaultStr(r, 'selectPolicy', 'Max');
  if (!Array.isArray(r.policies) || r.policies.length === 0) {
    r.policies = up
      ? [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ]
      : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
  return r;
}

export function defaultHPA(o: Obj, version: string): void {
  const spec = ensureObj(o, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (version === 'v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scaleRules(spec.behavior.scaleUp, true);
    spec.behavior.scaleDown = scaleRules(spec.behavior.scaleDown, false);
  }
}

export function defaultRBACBinding(o: Obj): void {
  eachObj(o.subjects, (s) => {
    if (s.apiGroup !== undefined && s.apiGroup !== '') return;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = 'rbac.authorization.k8s.io';
  });
}

export function defaultPriorityClass(o: Obj): void {
  setDefault(o, 'preemptionPolicy', 'PreemptLowerPriority');
}

export function defaultStorageClass(o: Obj): void {
  setDefault(o, 'reclaimPolicy', 'Delete');
  setDefault(o, 'volumeBindingMode', 'Immediate');
}

export function defaultCSIDriver(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  setDefault(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  setDefault(spec, 'requiresRepublish', false);
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  setDefault(spec, 'seLinuxMount', false);
}

export function defaultEndpointSlice(o: Obj): void {
  eachObj(o.ports, (p) => {
    setDefault(p, 'name', '');
    setDefault(p, 'protocol', 'TCP');
  });
}

export function defaultIngress(o: Obj): void {
  void o; // networking/v1 Ingress has no defaults (pathType is required).
}
