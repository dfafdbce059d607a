// Hand-built SchemaNode trees for the tests of this folder: a tiny builder, a realistic subset of Pod and
// Deployment (markers as in k8s.io/api v1.32), and upstream strategicpatch's test type `mergeItem`.
import type { SchemaKind, SchemaNode } from '../../api/schema/types';

export interface Markers {
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
  patchStrategy?: string;
  patchMergeKey?: string;
  mapType?: 'atomic' | 'granular';
}

type FieldDef = SchemaNode | (() => SchemaNode);

class TestNode implements SchemaNode {
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly mapType?: 'atomic' | 'granular';
  constructor(
    readonly kind: SchemaKind,
    private readonly fields: Record<string, FieldDef> = {},
    readonly items?: SchemaNode,
    markers: Markers = {},
    readonly typeName?: string,
    readonly required?: readonly string[],
  ) {
    Object.assign(this, markers);
  }
  field(name: string): SchemaNode | undefined {
    const f = this.fields[name];
    return typeof f === 'function' ? f() : f;
  }
  fieldNames(): readonly string[] {
    return Object.keys(this.fields);
  }
}

export const str = (): SchemaNode => new TestNode('string');
export const int = (): SchemaNode => new TestNode('integer');
export const bool = (): SchemaNode => new TestNode('boolean');
export const quantity = (): SchemaNode => new TestNode('quantity');

export function obj(fields: Record<string, FieldDef>, opts: { typeName?: string; required?: string[]; markers?: Markers } = {}): SchemaNode {
  return new TestNode('object', fields, undefined, opts.markers, opts.typeName, opts.required);
}
export function arr(items: SchemaNode, markers: Markers = {}): SchemaNode {
  return new TestNode('array', {}, items, markers);
}
export function map(items: SchemaNode, markers: Markers = {}): SchemaNode {
  return new TestNode('map', {}, items, markers);
}
/** The same struct, seen through a field that carries markers (markers live on the field's node). */
export function marked(node: SchemaNode, markers: Markers): SchemaNode {
  const fields: Record<string, FieldDef> = {};
  for (const n of node.fieldNames()) fields[n] = () => node.field(n) as SchemaNode;
  return new TestNode(node.kind, fields, node.items, markers, node.typeName, node.required);
}

const mergeBy = (key: string, extra = ''): Markers => ({ listType: 'map', listMapKeys: [key], patchStrategy: 'merge' + extra, patchMergeKey: key });

const managedFieldsEntry = obj({ manager: str(), operation: str(), apiVersion: str(), time: str(), fieldsType: str(), fieldsV1: new TestNode('any'), subresource: str() });

export const objectMeta = obj({
  name: str(),
  generateName: str(),
  namespace: str(),
  uid: str(),
  resourceVersion: str(),
  generation: int(),
  creationTimestamp: new TestNode('time'),
  labels: map(str()),
  annotations: map(str()),
  finalizers: arr(str(), { listType: 'set', patchStrategy: 'merge' }),
  ownerReferences: arr(obj({ apiVersion: str(), kind: str(), name: str(), uid: str(), controller: bool() }), mergeBy('uid')),
  managedFields: arr(managedFieldsEntry, { listType: 'atomic' }),
});

const containerPort = obj({ name: str(), containerPort: int(), protocol: str(), hostPort: int() }, { required: ['containerPort'] });
const envVar = obj({
  name: str(),
  value: str(),
  valueFrom: obj({
    fieldRef: obj({ fieldPath: str(), apiVersion: str() }, { typeName: 'io.k8s.api.core.v1.ObjectFieldSelector' }),
    configMapKeyRef: obj({ name: str(), key: str() }, { typeName: 'io.k8s.api.core.v1.ConfigMapKeySelector' }),
  }),
});

export const container = obj(
  {
    name: str(),
    image: str(),
    imagePullPolicy: str(),
    command: arr(str(), { listType: 'atomic' }),
    args: arr(str(), { listType: 'atomic' }),
    ports: arr(containerPort, { listType: 'map', listMapKeys: ['containerPort', 'protocol'], patchStrategy: 'merge', patchMergeKey: 'containerPort' }),
    env: arr(envVar, mergeBy('name')),
    resources: obj({ limits: map(quantity()), requests: map(quantity()) }),
    volumeMounts: arr(obj({ name: str(), mountPath: str(), readOnly: bool() }), mergeBy('mountPath')),
    terminationMessagePath: str(),
  },
  { required: ['name'] },
);

const volume = obj({
  name: str(),
  emptyDir: obj({ medium: str(), sizeLimit: quantity() }),
  hostPath: obj({ path: str(), type: str() }),
  configMap: obj({ name: str(), defaultMode: int() }),
});

const toleration = obj({ key: str(), operator: str(), value: str(), effect: str(), tolerationSeconds: int() });

export const podSpec = obj(
  {
    containers: arr(container, mergeBy('name')),
    initContainers: arr(container, mergeBy('name')),
    volumes: arr(volume, mergeBy('name', ',retainKeys')),
    tolerations: arr(toleration, { listType: 'atomic' }),
    imagePullSecrets: arr(obj({ name: str() }), mergeBy('name')),
    nodeSelector: map(str(), { mapType: 'atomic' }),
    restartPolicy: str(),
    terminationGracePeriodSeconds: int(),
    nodeName: str(),
    securityContext: obj({ runAsUser: int(), runAsNonRoot: bool() }),
  },
  { required: ['containers'] },
);

const condition = obj({ type: str(), status: str(), reason: str(), message: str(), lastTransitionTime: new TestNode('time') });

export const pod = obj({
  apiVersion: str(),
  kind: str(),
  metadata: objectMeta,
  spec: podSpec,
  status: obj({ phase: str(), podIP: str(), conditions: arr(condition, mergeBy('type')) }),
});

const labelSelector = obj(
  { matchLabels: map(str()), matchExpressions: arr(obj({ key: str(), operator: str(), values: arr(str(), { listType: 'atomic' }) }), { listType: 'atomic' }) },
  { typeName: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' },
);

export const deployment = obj({
  apiVersion: str(),
  kind: str(),
  metadata: objectMeta,
  spec: obj(
    {
      replicas: int(),
      selector: labelSelector,
      template: obj({ metadata: objectMeta, spec: podSpec }),
      strategy: marked(obj({ type: str(), rollingUpdate: obj({ maxSurge: new TestNode('intOrString'), maxUnavailable: new TestNode('intOrString') }) }), { patchStrategy: 'retainKeys' }),
      minReadySeconds: int(),
      revisionHistoryLimit: int(),
      paused: bool(),
    },
    { required: ['selector', 'template'] },
  ),
  status: obj({ replicas: int(), readyReplicas: int(), observedGeneration: int(), conditions: arr(condition, mergeBy('type')) }),
});

// upstream strategicpatch's test type (patch_test.go)
const retainKeysStruct = (): SchemaNode =>
  marked(
    obj({
      name: str(),
      value: str(),
      other: str(),
      simpleMap: map(str()),
      nonMergingList: arr(mergeItem()),
      mergingList: arr(mergeItem(), { patchStrategy: 'merge', patchMergeKey: 'name' }),
    }),
    { patchStrategy: 'retainKeys' },
  );

let mergeItemNode: SchemaNode | undefined;
export function mergeItem(): SchemaNode {
  return (mergeItemNode ??= obj({
    name: str(),
    value: str(),
    other: str(),
    mergingList: () => arr(mergeItem(), { patchStrategy: 'merge', patchMergeKey: 'name' }),
    nonMergingList: () => arr(mergeItem()),
    mergingIntList: arr(int(), { patchStrategy: 'merge' }),
    nonMergingIntList: arr(int()),
    mergeItemPtr: () => arr(mergeItem(), { patchStrategy: 'merge', patchMergeKey: 'name' }),
    simpleMap: map(str()),
    replacingItem: new TestNode('any', {}, undefined, { patchStrategy: 'replace' }),
    retainKeysMap: () => retainKeysStruct(),
    retainKeysMergingList: () => arr(mergeItem(), { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' }),
  }));
}
