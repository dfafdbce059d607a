// Core cluster objects: Node, Namespace, Event (core/v1 and events.k8s.io/v1), ConfigMap, Secret,
// ServiceAccount, PersistentVolume, PersistentVolumeClaim, ResourceQuota, ComponentStatus. Ports of the
// matching print* functions of Kubernetes' pkg/printers/internalversion (v1.32).

import { DOC } from './descriptions';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import { age, arr, int, mapLen, meta, nameOf, obj, parseTime, quantity, since, str } from './util';
import type { Obj } from './util';

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const LABEL_NODE_ROLE = 'kubernetes.io/role';

function nodeStatus(o: Obj): string {
  let ready: Obj | undefined;
  for (const c of arr(obj(o['status'])['conditions'])) {
    const x = obj(c);
    if (x['type'] === 'Ready') ready = x; // the last one wins, like upstream's condition map
  }
  let status = ready === undefined ? 'Unknown' : ready['status'] === 'True' ? 'Ready' : 'NotReady';
  if (obj(o['spec'])['unschedulable'] === true) status += ',SchedulingDisabled';
  return status;
}

/** findNodeRoles: node-role.kubernetes.io/<role> label keys and the kubernetes.io/role value, sorted. */
function nodeRoles(o: Obj): string {
  const labels = obj(meta(o)['labels']);
  let roles: Set<string> | undefined;
  for (const k in labels) {
    let role = '';
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
    else if (k === LABEL_NODE_ROLE) role = str(labels[k]);
    if (role !== '') (roles ??= new Set()).add(role);
  }
  return roles === undefined ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(o: Obj, type: string): string {
  for (const a of arr(obj(o['status'])['addresses'])) {
    const x = obj(a);
    if (x['type'] === type) return str(x['address']);
  }
  return '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE_COL,
    col('Version', 'string', DOC.kubeletVersion),
    col('Internal-IP', 'string', DOC.nodeAddresses, 1),
    col('External-IP', 'string', DOC.nodeAddresses, 1),
    col('OS-Image', 'string', DOC.osImage, 1),
    col('Kernel-Version', 'string', DOC.kernelVersion, 1),
    col('Container-Runtime', 'string', DOC.containerRuntimeVersion, 1),
  ],
  cells(o, now) {
    const info = obj(obj(o['status'])['nodeInfo']);
    return [
      nameOf(o),
      nodeStatus(o),
      nodeRoles(o),
      age(o, now),
      str(info['kubeletVersion']),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info['osImage']) || '<unknown>',
      str(info['kernelVersion']) || '<unknown>',
      str(info['containerRuntimeVersion']) || '<unknown>',
    ];
  },
};

export const namespacePrinter: Printer = {
  columns: [NAME_COL, col('Status', 'string', 'The status of the namespace'), AGE_COL],
  cells(o, now) {
    return [nameOf(o), str(obj(o['status'])['phase']), age(o, now)];
  },
};

/** Field names of an Event in core/v1 and in events.k8s.io/v1 (which renames and deprecates some). */
interface EventFields {
  involved: string;
  message: string;
  source: string;
  first: string;
  last: string;
  count: string;
}
const CORE_EVENT: EventFields = { involved: 'involvedObject', message: 'message', source: 'source', first: 'firstTimestamp', last: 'lastTimestamp', count: 'count' };
const EVENTS_V1_EVENT: EventFields = {
  involved: 'regarding', message: 'note', source: 'deprecatedSource', first: 'deprecatedFirstTimestamp',
  last: 'deprecatedLastTimestamp', count: 'deprecatedCount',
};

function firstNonEmpty(a: string, b: string): string {
  return a !== '' ? a : b;
}

function hasTime(v: unknown): boolean {
  return !Number.isNaN(parseTime(v));
}

function eventCells(o: Obj, now: number, f: EventFields): unknown[] {
  const firstTs = o[f.first];
  const first = hasTime(firstTs) ? since(firstTs, now) : since(o['eventTime'], now);
  let last = hasTime(o[f.last]) ? since(o[f.last], now) : first;
  let count = int(o[f.count]);
  const series = o['series'];
  if (typeof series === 'object' && series !== null) {
    const s = obj(series);
    last = since(s['lastObservedTime'], now);
    count = int(s['count']);
  } else if (count === 0) {
    count = 1; // singleton events carry no count in the new API
  }
  const involved = obj(o[f.involved]);
  const kind = str(involved['kind']).toLowerCase();
  const invName = str(involved['name']);
  const source = obj(o[f.source]);
  const component = firstNonEmpty(str(source['component']), str(o['reportingController']));
  const host = firstNonEmpty(str(source['host']), str(o['reportingInstance']));
  return [
    last,
    str(o['type']),
    str(o['reason']),
    invName !== '' ? `${kind}/${invName}` : kind,
    str(involved['fieldPath']),
    host === '' ? component : `${component}, ${host}`,
    str(o[f.message]).trim(),
    first,
    count,
    nameOf(o),
  ];
}

const EVENT_COLUMNS = [
  col('Last Seen', 'string', DOC.evLastTimestamp),
  col('Type', 'string', DOC.evType),
  col('Reason', 'string', DOC.evReason),
  col('Object', 'string', DOC.evInvolvedObject),
  col('Subobject', 'string', DOC.evFieldPath, 1),
  col('Source', 'string', DOC.evSource, 1),
  col('Message', 'string', DOC.evMessage),
  col('First Seen', 'string', DOC.evFirstTimestamp, 1),
  col('Count', 'string', DOC.evCount, 1),
  col('Name', 'string', DOC.name, 1, 'name'),
];

export const eventPrinter: Printer = {
  columns: EVENT_COLUMNS,
  cells: (o, now) => eventCells(o, now, CORE_EVENT),
};

/** events.k8s.io/v1 Events print exactly like core ones (same internal type upstream). */
export const eventsV1EventPrinter: Printer = {
  columns: EVENT_COLUMNS,
  cells: (o, now) => eventCells(o, now, EVENTS_V1_EVENT),
};

export const configMapPrinter: Printer = {
  columns: [NAME_COL, col('Data', 'string', DOC.cmData), AGE_COL],
  cells(o, now) {
    return [nameOf(o), mapLen(o['data']) + mapLen(o['binaryData']), age(o, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [NAME_COL, col('Type', 'string', DOC.secretType), col('Data', 'string', DOC.secretData), AGE_COL],
  cells(o, now) {
    return [nameOf(o), str(o['type']) || 'Opaque', mapLen(o['data']), age(o, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [NAME_COL, col('Secrets', 'string', DOC.saSecrets), AGE_COL],
  cells(o, now) {
    return [nameOf(o), arr(o['secrets']).length, age(o, now)];
  },
};

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, de-duplicated. */
function accessModes(v: unknown): string {
  const modes = arr(v);
  const out: string[] = [];
  if (modes.includes('ReadWriteOnce')) out.push('RWO');
  if (modes.includes('ReadOnlyMany')) out.push('ROX');
  if (modes.includes('ReadWriteMany')) out.push('RWX');
  if (modes.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName. */
function storageClassOf(o: Obj): string {
  const annotations = obj(meta(o)['annotations']);
  if (BETA_STORAGE_CLASS_ANNOTATION in annotations) return str(annotations[BETA_STORAGE_CLASS_ANNOTATION]);
  return str(obj(o['spec'])['storageClassName']);
}

function deleting(o: Obj): boolean {
  const d = meta(o)['deletionTimestamp'];
  return typeof d === 'string' && d !== '';
}

function optionalString(v: unknown): string {
  return typeof v === 'string' ? v : '<unset>';
}

export const persistentVolumePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Capacity', 'string', DOC.pvCapacity),
    col('Access Modes', 'string', DOC.pvAccessModes),
    col('Reclaim Policy', 'string', DOC.pvReclaimPolicy),
    col('Status', 'string', DOC.pvPhase),
    col('Claim', 'string', DOC.pvClaimRef),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', DOC.pvReason),
    AGE_COL,
    col('VolumeMode', 'string', DOC.pvVolumeMode, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const claimRef = spec['claimRef'];
    const claim = typeof claimRef === 'object' && claimRef !== null ? `${str(obj(claimRef)['namespace'])}/${str(obj(claimRef)['name'])}` : '';
    return [
      nameOf(o),
      quantity(obj(spec['capacity'])['storage']),
      accessModes(spec['accessModes']),
      str(spec['persistentVolumeReclaimPolicy']),
      deleting(o) ? 'Terminating' : str(status['phase']),
      claim,
      storageClassOf(o),
      optionalString(spec['volumeAttributesClassName']),
      str(status['reason']),
      age(o, now),
      optionalString(spec['volumeMode']),
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', DOC.pvcPhase),
    col('Volume', 'string', DOC.pvcVolumeName),
    col('Capacity', 'string', DOC.pvcCapacity),
    col('Access Modes', 'string', DOC.pvcAccessModes),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE_COL,
    col('VolumeMode', 'string', DOC.pvcVolumeMode, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const volumeName = str(spec['volumeName']);
    const bound = volumeName !== '';
    return [
      nameOf(o),
      deleting(o) ? 'Terminating' : str(status['phase']),
      volumeName,
      bound ? quantity(obj(status['capacity'])['storage']) : '',
      bound ? accessModes(status['accessModes']) : '',
      storageClassOf(o),
      optionalString(spec['volumeAttributesClassName']),
      age(o, now),
      optionalString(spec['volumeMode']),
    ];
  },
};

export const resourceQuotaPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    AGE_COL,
  ],
  cells(o, now) {
    const status = obj(o['status']);
    const hard = obj(status['hard']);
    const used = obj(status['used']);
    const resources = Object.keys(hard).sort();
    const requests: string[] = [];
    const limits: string[] = [];
    for (const r of resources) {
      const text = `${r}: ${quantity(used[r])}/${quantity(hard[r])}`;
      const dot = r.indexOf('.');
      (dot > 0 && r.slice(0, dot) === 'limits' ? limits : requests).push(text);
    }
    return [nameOf(o), requests.join(', '), limits.join(', '), age(o, now)];
  },
};

export const componentStatusPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  cells(o) {
    let status = 'Unknown';
    let message = '';
    let error = '';
    for (const c of arr(o['conditions'])) {
      const x = obj(c);
      if (x['type'] !== 'Healthy') continue;
      status = x['status'] === 'True' ? 'Healthy' : 'Unhealthy';
      message = str(x['message']);
      error = str(x['error']);
      break;
    }
    return [nameOf(o), status, message, error];
  },
};

