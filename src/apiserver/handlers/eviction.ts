// pods/eviction (POST /api/v1/namespaces/NS/pods/NAME/eviction, body policy/v1 or policy/v1beta1 Eviction):
// a delete that respects PodDisruptionBudgets, as upstream's pkg/registry/core/pod/storage/eviction.go.
//
//   pod terminal, Pending or already deleting ─▶ delete at once (no budget check)
//   else the PDBs selecting the pod: >1 ─▶ 500 "more than one PodDisruptionBudget"; 0 ─▶ delete
//   one: pod unready and (AlwaysAllow, or currentHealthy ≥ desiredHealthy > 0) ─▶ delete (rv precondition)
//        else disruptionsAllowed > 0 ─▶ CAS-decrement it, record status.disruptedPods[pod] ─▶ delete
//        else ─▶ 429 TooManyRequests with a DisruptionBudget cause (kubectl drain retries)
// Before the delete the pod gets the DisruptionTarget condition (reason EvictionByEvictionAPI).
import { selectorFromSpec } from '../../api/selectors';
import { ApiError, errors } from '../errors';
import { bodyFormat, decodeBody, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import type { ResourceRequest } from '../http/request-info';
import type { DeleteOptions, Registry } from '../registry/registry';
import { isObj, meta, rfc3339, str, type Obj } from '../registry/object';
import { fieldManagerOf, warningHeaders, type RequestContext } from './context';
import type { Endpoint } from './resource';

/** Upstream's MaxDisruptedPodSize: more unconfirmed evictions than this and the budget refuses. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

export const PDB_VIOLATION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_PDBS_MESSAGE = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

export interface EvictionDeps {
  pdbs: Registry;
}

function tooManyRequests(causeMessage: string): ApiError {
  return new ApiError(429, 'TooManyRequests', PDB_VIOLATION_MESSAGE, { causes: [{ reason: 'DisruptionBudget', message: causeMessage }] });
}

/** The PDBs in the pod's namespace whose selector matches the pod (an empty or invalid selector matches nothing). */
export function matchingBudgets(pod: Obj, pdbs: Obj[]): Obj[] {
  const labels = (meta(pod).labels as Record<string, string> | undefined) ?? {};
  return pdbs.filter((pdb) => {
    const spec = isObj(pdb.spec) ? pdb.spec : {};
    if (!isObj(spec.selector)) return false;
    try {
      const sel = selectorFromSpec(spec.selector as Parameters<typeof selectorFromSpec>[0]);
      return !sel.empty && sel.matches(labels);
    } catch {
      return false;
    }
  });
}

/** Upstream's canIgnorePDB: terminal, Pending and deleting pods are evicted without a budget check. */
export function canIgnoreBudget(pod: Obj): boolean {
  const phase = isObj(pod.status) ? pod.status.phase : undefined;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!meta(pod).deletionTimestamp;
}

function shouldEnforceResourceVersion(pod: Obj): boolean {
  const phase = isObj(pod.status) ? pod.status.phase : undefined;
  return !(phase === 'Succeeded' || phase === 'Failed' || meta(pod).deletionTimestamp);
}

function isReady(pod: Obj): boolean {
  const conds = isObj(pod.status) && Array.isArray(pod.status.conditions) ? (pod.status.conditions as Obj[]) : [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/**
 * Upstream's checkAndDecrement on the current PDB: throws 429/403 when the budget does not allow a
 * disruption; otherwise returns the PDB with disruptionsAllowed decremented and the pod recorded in
 * status.disruptedPods (the disruption controller prunes the entry once the pod is gone or after 2 min).
 */
export function decrementBudget(pdb: Obj, podName: string, now: number): Obj {
  const m = meta(pdb);
  const name = String(m.name);
  const status: Obj = isObj(pdb.status) ? { ...pdb.status } : {};
  if (num(status.observedGeneration) < num(m.generation)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  const allowed = num(status.disruptionsAllowed);
  if (allowed < 0) throw errors.forbidden('policy', 'poddisruptionbudget', name, 'pdb disruptions allowed is negative');
  const disrupted = isObj(status.disruptedPods) ? { ...(status.disruptedPods as Record<string, string>) } : {};
  if (Object.keys(disrupted).length > MAX_DISRUPTED_POD_SIZE) {
    throw errors.forbidden('policy', 'poddisruptionbudget', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${num(status.desiredHealthy)} healthy pods and has ${num(status.currentHealthy)} currently`);
  }
  status.disruptionsAllowed = allowed - 1;
  if (status.disruptionsAllowed === 0) {
    const conds = Array.isArray(status.conditions) ? (status.conditions as Obj[]) : [];
    const prev = conds.find((c) => c.type === 'DisruptionAllowed');
    const next: Obj = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: status.observedGeneration, lastTransitionTime: prev && prev.status === 'False' ? prev.lastTransitionTime : rfc3339(now) };
    status.conditions = [...conds.filter((c) => c.type !== 'DisruptionAllowed'), next];
  }
  disrupted[podName] = rfc3339(now);
  status.disruptedPods = disrupted;
  return { ...pdb, status };
}

async function readEviction(ctx: RequestContext, podName: string): Promise<Obj> {
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (!fmt || fmt.endsWith('patch')) throw errors.unsupportedMediaType(String(ctx.req.headers['content-type'] ?? ''));
  const body = decodeBody(await readBody(ctx.req), fmt);
  if (!isObj(body)) throw errors.badRequest('the body of the request must be an Eviction object');
  const av = body.apiVersion ?? 'policy/v1';
  if (av !== 'policy/v1' && av !== 'policy/v1beta1') throw errors.badRequest(`the API version in the data (${String(av)}) does not match the expected API version (policy/v1)`);
  if ((body.kind ?? 'Eviction') !== 'Eviction') throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`);
  if (!isObj(body.metadata) || str(body.metadata.name) !== podName) throw errors.badRequest('name in URL does not match name in Eviction object');
  return body;
}

/** The Eviction's deleteOptions merged with the request's ?dryRun (upstream's propagateDryRun). */
function deleteOptionsOf(ctx: RequestContext, eviction: Obj): DeleteOptions {
  const d = isObj(eviction.deleteOptions) ? eviction.deleteOptions : {};
  const o: DeleteOptions = {};
  if (typeof d.gracePeriodSeconds === 'number') o.gracePeriodSeconds = d.gracePeriodSeconds;
  if (isObj(d.preconditions)) o.preconditions = { uid: str(d.preconditions.uid) || undefined, resourceVersion: str(d.preconditions.resourceVersion) || undefined };
  if (typeof d.propagationPolicy === 'string') {
    if (!['Foreground', 'Background', 'Orphan'].includes(d.propagationPolicy)) throw errors.badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${d.propagationPolicy}"`);
    o.propagationPolicy = d.propagationPolicy as DeleteOptions['propagationPolicy'];
  }
  const bodyDry = Array.isArray(d.dryRun) && d.dryRun.length > 0;
  const queryDry = ctx.query.getAll('dryRun');
  for (const v of [...queryDry, ...(Array.isArray(d.dryRun) ? (d.dryRun as unknown[]) : [])]) {
    if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${String(v)}. Valid values: All`);
  }
  if (bodyDry || queryDry.length > 0) o.dryRun = true;
  return o;
}

/** Adds the DisruptionTarget condition (honouring the preconditions), then deletes the pod. */
async function addConditionAndDelete(ctx: RequestContext, pods: Registry, ns: string, name: string, o: DeleteOptions): Promise<void> {
  let opts = o;
  if (!o.dryRun) {
    const r = await pods.update(ns, name, (cur) => {
      if (!cur) throw errors.notFound('', 'pods', name);
      const m = meta(cur);
      if (o.preconditions?.uid && o.preconditions.uid !== m.uid) {
        throw errors.conflict('', 'pods', name, `Precondition failed: UID in precondition: ${o.preconditions.uid}, UID in object meta: ${String(m.uid)}`);
      }
      if (o.preconditions?.resourceVersion && o.preconditions.resourceVersion !== String(m.resourceVersion)) {
        throw errors.conflict('', 'pods', name, `Precondition failed: ResourceVersion in precondition: ${o.preconditions.resourceVersion}, ResourceVersion in object meta: ${String(m.resourceVersion)}`);
      }
      const status: Obj = isObj(cur.status) ? cur.status : {};
      const conds = Array.isArray(status.conditions) ? (status.conditions as Obj[]) : [];
      const prev = conds.find((c) => c.type === 'DisruptionTarget');
      const cond: Obj = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: prev?.status === 'True' ? prev.lastTransitionTime : rfc3339(ctx.now()), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
      status.conditions = prev ? conds.map((c) => (c === prev ? cond : c)) : [...conds, cond];
      cur.status = status;
      return cur;
    }, { fieldManager: fieldManagerOf(ctx), version: 'v1', subresource: 'status' });
    // We moved the resourceVersion ourselves: a resourceVersion precondition now names our write.
    if (o.preconditions?.resourceVersion) opts = { ...o, preconditions: { ...o.preconditions, resourceVersion: String(r.entry.rv) } };
  }
  await pods.delete(ns, name, opts);
}

function sendSuccess(ctx: RequestContext): void {
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, warningHeaders(ctx));
}

/** POST pods/NAME/eviction. */
export async function handleEviction(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest, deps: EvictionDeps): Promise<void> {
  if (ri.verb !== 'create') throw errors.methodNotSupported('', 'pods/eviction', ri.verb);
  const pods = ep.registry;
  const ns = ri.namespace;
  const eviction = await readEviction(ctx, ri.name);
  const original = deleteOptionsOf(ctx, eviction);
  const rvUnset = !original.preconditions?.resourceVersion;

  // Pods past (or not yet at) the point where a budget guards them are deleted directly; a conflict with a
  // precondition we added ourselves is retried with the newer pod.
  let pod: Obj | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = (await pods.get(ns, ri.name)).obj;
    if (!canIgnoreBudget(pod)) break;
    let o = original;
    if (shouldEnforceResourceVersion(pod) && rvUnset) o = { ...o, preconditions: { ...o.preconditions, resourceVersion: String(meta(pod).resourceVersion) } };
    try {
      await addConditionAndDelete(ctx, pods, ns, ri.name, o);
      return sendSuccess(ctx);
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'Conflict' && rvUnset && attempt < 5) continue;
      throw e;
    }
  }

  const budgets = matchingBudgets(pod, deps.pdbs.d.cache.sortedEntries(ns).map((e) => e.obj));
  if (budgets.length > 1) {
    sendJson(ctx.res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS_MESSAGE, code: 500 });
    return;
  }
  let addRvPrecondition = false;
  const budget = budgets[0];
  if (budget) {
    const pdbName = String(meta(budget).name);
    const spec = isObj(budget.spec) ? budget.spec : {};
    const st = isObj(budget.status) ? budget.status : {};
    let skipDecrement = false;
    if (!isReady(pod)) {
      // An unready pod does not count towards currentHealthy: deleting it does not disrupt the application
      // when the budget is met (or the budget says AlwaysAllow); the rv precondition keeps it unready meanwhile.
      if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow' || (num(st.currentHealthy) >= num(st.desiredHealthy) && num(st.desiredHealthy) > 0)) {
        skipDecrement = true;
        addRvPrecondition = true;
      }
    }
    if (!skipDecrement) {
      if (original.dryRun) decrementBudget((await deps.pdbs.get(ns, pdbName)).obj, ri.name, ctx.now());
      else {
        // A CAS write of the budget's status: the registry re-runs the check on the newest PDB after a conflict.
        await deps.pdbs.update(ns, pdbName, (cur) => {
          if (!cur) throw errors.notFound('policy', 'poddisruptionbudgets', pdbName);
          const next = decrementBudget(cur, ri.name, ctx.now());
          delete meta(next).resourceVersion;
          return next;
        }, { fieldManager: fieldManagerOf(ctx), version: 'v1', subresource: 'status' });
      }
    }
  }
  let o = original;
  if (addRvPrecondition && rvUnset) o = { ...o, preconditions: { ...o.preconditions, resourceVersion: String(meta(pod).resourceVersion) } };
  try {
    await addConditionAndDelete(ctx, pods, ns, ri.name, o);
  } catch (e) {
    // The pod changed since we judged it unready: let the client retry (upstream answers 429 here too).
    if (e instanceof ApiError && e.reason === 'Conflict' && addRvPrecondition && rvUnset && budget) throw tooManyRequests(`The disruption budget ${String(meta(budget).name)} is still being processed by the server.`);
    throw e;
  }
  sendSuccess(ctx);
}
