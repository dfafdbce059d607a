// HorizontalPodAutoscaler controller (upstream pkg/controller/podautoscaler/horizontal.go, autoscaling/v2):
// every sync period, for each HPA read the target's scale subresource, compute a replica count from the
// Resource / ContainerResource metrics (metrics.k8s.io), stabilise and limit it, write the scale, and
// report status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime) with the AbleToScale,
// ScalingActive and ScalingLimited conditions and upstream's events (SuccessfulRescale, FailedGetScale, ...).
//
//   hpa ─► scale(target) ─► metrics per spec ─► max proposal ─► normalize (stabilise, limits) ─► PUT scale
//                                     └─ invalid metrics: ScalingActive=False, no scale-down on partial data
import { parseLabelSelector, type LabelSelector } from '../../api/selectors';
import { formatQuantity } from '../../api/validation/quantity';
import { objectPath, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister, type ResourceRef } from '../../client';
import { rfc3339 } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import type { Condition, Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Log, Request, Result } from '../runner/types';
import { clientMetricsSource, milliValue, type MetricsSource } from './metrics-source';
import { behaviorWithDefaults, normalizeLegacy, normalizeWithBehavior, recordScaleEvent, type ConditionUpdate, type HpaMemory } from './normalize';
import { CalcError, DEFAULT_CALC, podRequests, rawResourceReplicas, resourceReplicas, type CalcOptions } from './replica-calculator';
import type { HPA, MetricSpec, MetricStatus, Scale } from './types';

export interface HpaOptions {
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

export interface HpaDeps {
  client: Client;
  hpas: Lister<HPA>;
  pods: Lister<Pod>;
  metrics: MetricsSource;
  recorder: EventRecorder;
  clock: Clock;
  log: Log;
  options?: HpaOptions;
}

/** Scalable kinds by API group (what upstream's RESTMapper resolves for the built-in workloads). */
const SCALABLE: Record<string, Record<string, ResourceRef>> = {
  apps: { Deployment: Resources.deployments, ReplicaSet: Resources.replicasets, StatefulSet: Resources.statefulsets },
  '': { ReplicationController: Resources.replicationcontrollers },
};

const DEFAULT_METRICS: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];

type CondType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/** upstream setConditionInList: reason and message always updated, lastTransitionTime only on a status change. */
function setCond(conds: Condition[], type: CondType, status: 'True' | 'False', reason: string, message: string, now: number): Condition[] {
  const cur = conds.find((c) => c.type === type);
  const next: Condition = { type, status, reason, message, lastTransitionTime: cur && cur.status === status && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(now) };
  return cur ? conds.map((c) => (c.type === type ? next : c)) : [...conds, next];
}

function targetRef(apiVersion: string | undefined, kind: string): ResourceRef {
  const av = apiVersion ?? '';
  const parts = av.split('/');
  if (av === '' || parts.length > 2 || parts.some((p) => p === '')) throw new Error(`unexpected GroupVersion string: ${av}`);
  const group = parts.length === 2 ? parts[0]! : '';
  const ref = SCALABLE[group]?.[kind];
  if (!ref) throw new Error(`no matches for kind "${kind}" in group "${group}"`);
  return ref;
}

interface Proposal { replicas: number; metric: string; status: MetricStatus }

export function createHpaReconciler(d: HpaDeps): { reconcile: (req: Request) => Promise<Result>; memory: Map<string, HpaMemory> } {
  const o = d.options ?? {};
  const syncPeriodMs = o.syncPeriodMs ?? 15_000;
  const downscaleMs = o.downscaleStabilizationMs ?? 300_000;
  const calcBase = {
    tolerance: o.tolerance ?? DEFAULT_CALC.tolerance,
    cpuInitializationPeriodMs: o.cpuInitializationPeriodMs ?? DEFAULT_CALC.cpuInitializationPeriodMs,
    initialReadinessDelayMs: o.initialReadinessDelayMs ?? DEFAULT_CALC.initialReadinessDelayMs,
  };
  const api = d.client.resource<HPA>(Resources.horizontalpodautoscalers);
  const memory = new Map<string, HpaMemory>();
  // Each HPA's latest target selector (upstream's hpaSelectors), to refuse pods selected by several HPAs.
  const selectors = new Map<string, LabelSelector>();

  /** validateAndParseSelector: the scale's selector must exist, parse, and select pods no other HPA selects. */
  function validateSelector(key: string, namespace: string, sel: string): { pods: Pod[] } | { error: { reason: string; message: string; event: string } } {
    if (sel === '') return { error: { reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector", event: 'SelectorRequired' } };
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(sel);
    } catch (e) {
      selectors.delete(key);
      return { error: { reason: 'InvalidSelector', message: `couldn't convert selector into a corresponding internal selector object: ${e instanceof Error ? e.message : String(e)}`, event: 'InvalidSelector' } };
    }
    selectors.set(key, selector);
    const pods = d.pods.list(namespace).filter((p) => selector.matches(p.metadata.labels));
    const selecting = [...selectors]
      .filter(([k, s]) => k.startsWith(`${namespace}/`) && d.hpas.get(namespace, k.slice(namespace.length + 1)) && pods.some((p) => s.matches(p.metadata.labels)))
      .map(([k]) => k)
      .sort();
    if (selecting.length > 1) {
      const message = `pods by selector ${sel} are controlled by multiple HPAs: [${selecting.join(' ')}]`;
      return { error: { reason: 'AmbiguousSelector', message, event: 'AmbiguousSelector' } };
    }
    return { pods };
  }

  /** computeStatusForResourceMetricGeneric for one Resource/ContainerResource metric. */
  async function resourceProposal(hpa: HPA, spec: MetricSpec, current: number, selector: string, pods: Pod[], calc: CalcOptions): Promise<Proposal> {
    const isContainer = spec.type === 'ContainerResource';
    const src = isContainer ? spec.containerResource : spec.resource;
    if (!src) throw new CalcError(`invalid ${spec.type} metric source: the ${isContainer ? 'containerResource' : 'resource'} field is not set`);
    const container = isContainer ? spec.containerResource?.container : undefined;
    const name = src.name;
    const statusOf = (current: MetricStatus['resource'] & object): MetricStatus =>
      isContainer ? { type: 'ContainerResource', containerResource: { name, container: container ?? '', current: current.current } } : { type: 'Resource', resource: current };
    const t = src.target;
    const fetch = async () => {
      try {
        return await d.metrics.resourceMetric(name, hpa.metadata.namespace ?? '', selector, container);
      } catch (e) {
        throw new CalcError(`unable to get metrics for resource ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    if (t.averageValue !== undefined) {
      const target = milliValue(t.averageValue);
      if (target === undefined) throw new CalcError(`invalid averageValue ${String(t.averageValue)}`);
      try {
        const { metrics } = await fetch();
        const r = rawResourceReplicas(current, target, name, pods, metrics, calc);
        return { replicas: r.replicas, metric: isContainer ? `${name} container resource` : `${name} resource`, status: statusOf({ name, current: { averageValue: milliQuantity(r.usage) } }) };
      } catch (e) {
        throw new CalcError(`failed to get ${name} usage: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (t.averageUtilization === undefined) throw new CalcError('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    try {
      const { metrics } = await fetch();
      const requests = podRequests(pods, name, container, milliValue);
      const r = resourceReplicas(current, t.averageUtilization, name, pods, metrics, requests, calc);
      return {
        replicas: r.replicas,
        metric: isContainer ? `${name} container resource utilization (percentage of request)` : `${name} resource utilization (percentage of request)`,
        status: statusOf({ name, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } }),
      };
    } catch (e) {
      throw new CalcError(`failed to get ${name} utilization: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return {
    memory,
    async reconcile(req) {
      const key = `${req.namespace}/${req.name}`;
      const cached = d.hpas.get(req.namespace, req.name);
      if (!cached) {
        memory.delete(key);
        selectors.delete(key);
        return {};
      }
      const hpa = structuredClone(cached);
      const original = structuredClone(cached.status ?? {});
      const now = d.clock.now();
      let conds: Condition[] = [...(hpa.status?.conditions ?? [])];
      const set = (type: CondType, status: 'True' | 'False', reason: string, message: string): void => {
        conds = setCond(conds, type, status, reason, message, now);
      };
      const apply = (u: ConditionUpdate): void => set(u.type, u.status, u.reason, u.message);
      let mem = memory.get(key);
      if (!mem) memory.set(key, (mem = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] }));
      const requeue = { requeueAfterMs: syncPeriodMs };
      const writeStatus = async (status: NonNullable<HPA['status']>): Promise<void> => {
        const next = { ...status, conditions: conds };
        if (!semanticEqual(next, original)) await api.updateStatus(req.namespace, { ...hpa, status: next });
      };
      const ref = hpa.spec.scaleTargetRef;
      const reference = `${ref.kind}/${req.namespace}/${ref.name}`;
      const failStatus = (current: number, metrics: MetricStatus[] | null | undefined): NonNullable<HPA['status']> => ({
        ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
        currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? 0, ...(metrics?.length ? { currentMetrics: metrics } : {}),
      });

      // The target's scale.
      let scale: Scale;
      let target: ResourceRef;
      try {
        target = targetRef(ref.apiVersion, ref.kind);
        scale = await d.client.resource(target).getSubresource<Scale>(req.namespace, ref.name, 'scale');
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        d.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
        set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`);
        await writeStatus(failStatus(hpa.status?.currentReplicas ?? 0, hpa.status?.currentMetrics));
        d.log('debug', `hpa ${key}: failed to query scale subresource for ${reference}: ${msg}`);
        return requeue;
      }
      set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
      const current = scale.spec.replicas ?? 0;
      if (mem.recommendations.length === 0) mem.recommendations.push({ replicas: current, at: now });
      const min = hpa.spec.minReplicas ?? 1;
      const max = hpa.spec.maxReplicas;
      const specs = hpa.spec.metrics?.length ? hpa.spec.metrics : DEFAULT_METRICS;

      let desired = 0;
      let rescaleReason = '';
      let rescale = true;
      let statuses: MetricStatus[] = [];
      if (current === 0 && min !== 0) {
        rescale = false;
        set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      } else if (current > max) {
        rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
        desired = max;
      } else if (current < min) {
        rescaleReason = 'Current number of replicas below Spec.MinReplicas';
        desired = min;
      } else {
        // computeReplicasForMetrics
        const sel = scale.status.selector ?? '';
        const v = validateSelector(key, req.namespace, sel);
        if ('error' in v) {
          const { reason, message, event } = v.error;
          d.recorder.event(hpa, 'Warning', event, message);
          set('ScalingActive', 'False', reason, message);
          await writeStatus(failStatus(current, hpa.status?.currentMetrics));
          d.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', message);
          return requeue;
        }
        const pods = v.pods;
        const calc: CalcOptions = { ...calcBase, now };
        statuses = specs.map(() => ({ type: '' }));
        let best = 0;
        let metricName = '';
        let invalid = 0;
        let firstError = '';
        for (const [i, spec] of specs.entries()) {
          try {
            if (spec.type !== 'Resource' && spec.type !== 'ContainerResource') {
              throw new CalcError(`${spec.type} metrics are not supported by berth (only Resource and ContainerResource)`);
            }
            const p = await resourceProposal(hpa, spec, current, sel, pods, calc);
            statuses[i] = p.status;
            if (best === 0 || p.replicas > best) {
              best = p.replicas;
              metricName = p.metric;
            }
          } catch (e) {
            if (!(e instanceof CalcError)) throw e;
            const name = spec.resource?.name ?? spec.containerResource?.name ?? spec.type;
            const msg = `failed to get ${name} resource metric value: ${e.message}`;
            const reason = spec.type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : spec.type === 'Resource' ? 'FailedGetResourceMetric' : `FailedGet${spec.type}Metric`;
            d.recorder.event(hpa, 'Warning', reason, e.message);
            if (invalid === 0) {
              firstError = msg;
              set('ScalingActive', 'False', reason, `the HPA was unable to compute the replica count: ${e.message}`);
            }
            invalid++;
          }
        }
        if (invalid >= specs.length || (invalid > 0 && best < current)) {
          // Keep the first invalid metric's condition; never scale down on partial data.
          const err = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError}`;
          await writeStatus(failStatus(current, statuses));
          d.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', err);
          d.log('debug', `hpa ${key}: failed to compute desired number of replicas based on listed metrics for ${reference}: ${err}`);
          return requeue;
        }
        set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
        desired = best;
        if (desired > current) rescaleReason = `${metricName} above target`;
        if (desired < current) rescaleReason = 'All metrics below target';
        const args = { current, desired, min, max, now };
        const n = hpa.spec.behavior
          ? normalizeWithBehavior(mem, args, behaviorWithDefaults(hpa.spec.behavior, downscaleMs / 1000))
          : normalizeLegacy(mem, args, downscaleMs);
        n.conditions.forEach(apply);
        desired = n.replicas;
        rescale = desired !== current;
      }

      let lastScaleTime = hpa.status?.lastScaleTime;
      if (rescale) {
        try {
          await d.client.request('PUT', objectPath(target, req.namespace, ref.name, 'scale'), { ...scale, spec: { ...scale.spec, replicas: desired } });
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          d.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`);
          set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
          await writeStatus(failStatus(current, statuses));
          return requeue;
        }
        set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
        d.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
        if (hpa.spec.behavior) recordScaleEvent(mem, behaviorWithDefaults(hpa.spec.behavior, downscaleMs / 1000), current, desired, now);
        d.log('info', `hpa ${key}: successful rescale of ${reference}, old size: ${current}, new size: ${desired}, reason: ${rescaleReason}`);
        lastScaleTime = rfc3339(now);
      } else desired = current;
      await writeStatus({ ...(lastScaleTime ? { lastScaleTime } : {}), currentReplicas: current, desiredReplicas: desired, ...(statuses.length ? { currentMetrics: statuses } : {}) });
      return requeue;
    },
  };
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): e.g. 250 → "250m", 1000 → "1". */
function milliQuantity(v: number): string {
  return formatQuantity({ num: BigInt(Math.trunc(v)), den: 1000n, format: 'DecimalSI' });
}

export function hpaControllerWith(options: HpaOptions & { metrics?: (client: Client) => MetricsSource }): ControllerFactory {
  return (ctx: ControllerContext) => {
    const hpaInf = ctx.informers.informerFor<HPA>(Resources.horizontalpodautoscalers);
    const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
    const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    // New HPAs and spec changes sync at once; everything else waits for the sync period (the HPA's own
    // status writes must not trigger another round, as upstream's fixed-interval queue ensures).
    hpaInf.addEventHandler({
      onAdd: (h) => ctx.enqueue(key(h)),
      onUpdate: (a, b) => {
        if (a.metadata.generation !== b.metadata.generation) ctx.enqueue(key(b));
      },
    });
    const { reconcile } = createHpaReconciler({
      client: ctx.client, hpas: hpaInf.lister, pods: podInf.lister, metrics: (options.metrics ?? clientMetricsSource)(ctx.client),
      recorder: ctx.recorder, clock: ctx.clock, log: ctx.log, options,
    });
    return { name: 'horizontalpodautoscaling', workers: 2, reconcile };
  };
}

export const hpaController: ControllerFactory = hpaControllerWith({});
