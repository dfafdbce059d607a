// Conversion between the versions of a resource served from one storage version:
// core/v1 Event ⇄ events.k8s.io/v1 Event, and autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscaler.
// Objects of every other resource are stored in the version they are served in.
import { isObj, type Obj } from './registry/object';

type Converter = (o: Obj) => Obj;

function pick(o: Obj, map: Array<[string, string]>): Obj {
  const out: Obj = {};
  for (const [from, to] of map) if (o[from] !== undefined) out[to] = o[from];
  return out;
}

const EVENT_FIELDS: Array<[string, string]> = [
  ['involvedObject', 'regarding'], ['message', 'note'], ['reason', 'reason'], ['type', 'type'], ['eventTime', 'eventTime'],
  ['series', 'series'], ['action', 'action'], ['related', 'related'], ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'], ['source', 'deprecatedSource'], ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'], ['count', 'deprecatedCount'],
];

const coreEventToEventsV1: Converter = (o) => ({ ...pick(o, EVENT_FIELDS), kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: o.metadata });
const eventsV1ToCoreEvent: Converter = (o) => {
  const out: Obj = { kind: 'Event', apiVersion: 'v1', metadata: o.metadata };
  for (const [core, v1] of EVENT_FIELDS) if (o[v1] !== undefined) out[core] = o[v1];
  if (out.involvedObject === undefined) out.involvedObject = {};
  if (isObj(out.series) && out.series.lastObservedTime === undefined) out.series = { ...out.series };
  return out;
};

const hpaV2ToV1: Converter = (o) => {
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  const out: Obj = { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: o.metadata };
  const s1: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) s1.minReplicas = spec.minReplicas;
  for (const m of (spec.metrics as Obj[] | undefined) ?? []) {
    const r = isObj(m.resource) ? m.resource : undefined;
    const t = r && isObj(r.target) ? r.target : undefined;
    if (m.type === 'Resource' && r?.name === 'cpu' && t?.type === 'Utilization') s1.targetCPUUtilizationPercentage = t.averageUtilization;
  }
  out.spec = s1;
  const st: Obj = { currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0 };
  if (status.observedGeneration !== undefined) st.observedGeneration = status.observedGeneration;
  if (status.lastScaleTime !== undefined) st.lastScaleTime = status.lastScaleTime;
  for (const m of (status.currentMetrics as Obj[] | undefined) ?? []) {
    const r = isObj(m.resource) ? m.resource : undefined;
    const c = r && isObj(r.current) ? r.current : undefined;
    if (m.type === 'Resource' && r?.name === 'cpu' && c?.averageUtilization !== undefined) st.currentCPUUtilizationPercentage = c.averageUtilization;
  }
  out.status = st;
  return out;
};

const hpaV1ToV2: Converter = (o) => {
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  const out: Obj = { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: o.metadata };
  const s2: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) s2.minReplicas = spec.minReplicas;
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    s2.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
  }
  out.spec = s2;
  const st: Obj = {};
  for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (status[k] !== undefined) st[k] = status[k];
  if (status.currentCPUUtilizationPercentage !== undefined) {
    st.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  out.status = st;
  return out;
};

const CONVERTERS: Record<string, Converter> = {
  'v1/Event->events.k8s.io/v1': coreEventToEventsV1,
  'events.k8s.io/v1/Event->v1': eventsV1ToCoreEvent,
  'autoscaling/v2/HorizontalPodAutoscaler->autoscaling/v1': hpaV2ToV1,
  'autoscaling/v1/HorizontalPodAutoscaler->autoscaling/v2': hpaV1ToV2,
};

/** Converts `obj` (of `kind`) from apiVersion `from` to `to`; identity when they are equal. */
export function convert(obj: Obj, kind: string, from: string, to: string): Obj {
  if (from === to) return obj;
  const c = CONVERTERS[`${from}/${kind}->${to}`];
  if (!c) return { ...obj, apiVersion: to };
  return c(obj);
}
