// Cluster-level and policy objects: RoleBinding, ClusterRoleBinding, CertificateSigningRequest, Lease,
// StorageClass, CSIDriver, CSINode, VolumeAttachment, PriorityClass, RuntimeClass (ports of Kubernetes'
// pkg/printers/internalversion, v1.32) and APIService (kube-aggregator's own table convertor).

import { DOC } from './descriptions';
import { humanDuration } from './duration';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import { age, arr, int, isNum, meta, nameOf, obj, str } from './util';
import type { Obj } from './util';

/** rbac.SubjectsStrings: users, groups and 'namespace/name' service accounts, each joined by ', '. */
function subjectCells(subjects: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(subjects)) {
    const x = obj(s);
    switch (x['kind']) {
      case 'ServiceAccount':
        sas.push(`${str(x['namespace'])}/${str(x['name'])}`);
        break;
      case 'User':
        users.push(str(x['name']));
        break;
      case 'Group':
        groups.push(str(x['name']));
        break;
    }
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(roleRefDoc: string, what: string): Printer {
  return {
    columns: [
      NAME_COL,
      col('Role', 'string', roleRefDoc),
      AGE_COL,
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells(o, now) {
      const ref = obj(o['roleRef']);
      const [users, groups, sas] = subjectCells(o['subjects']);
      return [nameOf(o), `${str(ref['kind'])}/${str(ref['name'])}`, age(o, now), users, groups, sas];
    },
  };
}

export const roleBindingPrinter = bindingPrinter(DOC.rbRoleRef, 'roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter(DOC.crbRoleRef, 'clusterRoleBinding');

/** extractCSRStatus: Denied > Approved > Pending, then ',Failed' and ',Issued'. */
function csrStatus(o: Obj): string {
  let approved = false;
  let denied = false;
  let failed = false;
  const status = obj(o['status']);
  for (const c of arr(status['conditions'])) {
    switch (obj(c)['type']) {
      case 'Approved':
        approved = true;
        break;
      case 'Denied':
        denied = true;
        break;
      case 'Failed':
        failed = true;
        break;
    }
  }
  let out = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) out += ',Failed';
  if (str(status['certificate']) !== '') out += ',Issued';
  return out;
}

export const certificateSigningRequestPrinter: Printer = {
  columns: [
    NAME_COL,
    AGE_COL,
    col('SignerName', 'string', DOC.csrSignerName),
    col('Requestor', 'string', DOC.csrRequest),
    col('RequestedDuration', 'string', DOC.csrExpirationSeconds),
    col('Condition', 'string', DOC.csrConditions),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const exp = spec['expirationSeconds'];
    return [
      nameOf(o),
      age(o, now),
      str(spec['signerName']) || '<none>',
      str(spec['username']),
      isNum(exp) ? humanDuration(int(exp) * 1000) : '<none>',
      csrStatus(o),
    ];
  },
};

export const leasePrinter: Printer = {
  columns: [NAME_COL, col('Holder', 'string', DOC.leaseHolder), AGE_COL],
  cells(o, now) {
    return [nameOf(o), str(obj(o['spec'])['holderIdentity']), age(o, now)];
  },
};

function isDefaultClass(o: Obj): boolean {
  const a = obj(meta(o)['annotations']);
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

export const storageClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Provisioner', 'string', DOC.scProvisioner),
    col('ReclaimPolicy', 'string', DOC.scReclaimPolicy),
    col('VolumeBindingMode', 'string', DOC.scVolumeBindingMode),
    col('AllowVolumeExpansion', 'string', DOC.scAllowVolumeExpansion),
    AGE_COL,
  ],
  cells(o, now) {
    const name = isDefaultClass(o) ? `${nameOf(o)} (default)` : nameOf(o);
    return [
      name,
      str(o['provisioner']),
      str(o['reclaimPolicy']) || 'Delete',
      str(o['volumeBindingMode']) || 'Immediate',
      bool(o['allowVolumeExpansion'], false),
      age(o, now),
    ];
  },
};

export const csiDriverPrinter: Printer = {
  columns: [
    NAME_COL,
    col('AttachRequired', 'boolean', DOC.csiAttachRequired),
    col('PodInfoOnMount', 'boolean', DOC.csiPodInfoOnMount),
    col('StorageCapacity', 'boolean', DOC.csiStorageCapacity),
    col('TokenRequests', 'string', DOC.csiTokenRequests),
    col('RequiresRepublish', 'boolean', DOC.csiRequiresRepublish),
    col('Modes', 'string', DOC.csiModes),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const tokenRequests = Array.isArray(spec['tokenRequests'])
      ? arr(spec['tokenRequests']).map((t) => str(obj(t)['audience'])).join(',')
      : '<unset>';
    const modes = arr(spec['volumeLifecycleModes']).map(str).join(',');
    return [
      nameOf(o),
      bool(spec['attachRequired'], true),
      bool(spec['podInfoOnMount'], false),
      bool(spec['storageCapacity'], false),
      tokenRequests,
      bool(spec['requiresRepublish'], false),
      modes === '' ? '<none>' : modes,
      age(o, now),
    ];
  },
};

export const csiNodePrinter: Printer = {
  columns: [NAME_COL, col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), AGE_COL],
  cells(o, now) {
    return [nameOf(o), arr(obj(o['spec'])['drivers']).length, age(o, now)];
  },
};

export const volumeAttachmentPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Attacher', 'string', DOC.vaAttacher, 0, 'name'),
    col('PV', 'string', DOC.vaPV),
    col('Node', 'string', DOC.vaNodeName),
    col('Attached', 'boolean', DOC.vaAttached),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    return [
      nameOf(o),
      str(spec['attacher']),
      str(obj(spec['source'])['persistentVolumeName']),
      str(spec['nodeName']),
      bool(obj(o['status'])['attached'], false),
      age(o, now),
    ];
  },
};

export const priorityClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Value', 'integer', DOC.pcValue),
    col('Global-Default', 'boolean', DOC.pcGlobalDefault),
    AGE_COL,
    col('PreemptionPolicy', 'string', DOC.pcPreemptionPolicy),
  ],
  cells(o, now) {
    return [nameOf(o), int(o['value']), bool(o['globalDefault'], false), age(o, now), str(o['preemptionPolicy'])];
  },
};

export const runtimeClassPrinter: Printer = {
  // Upstream looks the Handler description up under a key ObjectMeta does not have: it is empty.
  columns: [NAME_COL, col('Handler', 'string', ''), AGE_COL],
  cells(o, now) {
    return [nameOf(o), str(o['handler']), age(o, now)];
  },
};

export const apiServicePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    col('Available', 'string', 'Whether this service is available.'),
    AGE_COL,
  ],
  cells(o, now) {
    const svcRef = obj(o['spec'])['service'];
    const service = typeof svcRef === 'object' && svcRef !== null ? `${str(obj(svcRef)['namespace'])}/${str(obj(svcRef)['name'])}` : 'Local';
    let available = 'Unknown';
    for (const c of arr(obj(o['status'])['conditions'])) {
      const x = obj(c);
      if (x['type'] !== 'Available') continue;
      const status = str(x['status']);
      const reason = str(x['reason']);
      available = status === 'True' || reason === '' ? status : `${status} (${reason})`;
      break;
    }
    return [nameOf(o), service, available, age(o, now)];
  },
};
