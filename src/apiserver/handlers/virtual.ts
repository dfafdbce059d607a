// Resources that are computed, not stored: access reviews (every authenticated user may do everything
// until RBAC enforcement lands), who-am-I reviews, token reviews, component statuses, and the legacy
// POST /namespaces/<ns>/bindings.
import type { ResourceInfo } from '../../api/resources';
import type { Pki } from '../auth/pki';
import type { ServiceAccountTokenAuth } from '../auth/service-account-token';
import { tokenEquals } from '../auth/pki';
import { errors } from '../errors';
import { bodyFormat, decodeBody, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import type { ResourceRequest } from '../http/request-info';
import { isObj, meta, rfc3339, type Obj } from '../registry/object';
import type { Registry } from '../registry/registry';
import type { RequestContext } from './context';
import { bindPod, type Endpoint } from './resource';
import { buildTable } from '../tables';

export interface VirtualDeps {
  registries(group: string, plural: string): Registry | undefined;
  endpoints(group: string, version: string, plural: string): Endpoint | undefined;
  pki: Pki;
  /** Resolves when the store answers. */
  storeHealth(): Promise<unknown>;
  /** Bound service-account tokens (TokenReview accepts them). */
  serviceAccountTokens?: ServiceAccountTokenAuth;
}

async function body(ctx: RequestContext): Promise<Obj> {
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (!fmt || fmt.endsWith('patch')) throw errors.unsupportedMediaType(String(ctx.req.headers['content-type']));
  const b = decodeBody(await readBody(ctx.req), fmt);
  if (!isObj(b)) throw errors.badRequest('the body must be an object');
  return b;
}

export async function handleVirtual(ctx: RequestContext, info: ResourceInfo, ri: ResourceRequest, deps: VirtualDeps): Promise<void> {
  const av = info.group ? `${info.group}/${info.version}` : info.version;
  if (!info.verbs.includes(ri.verb)) throw errors.methodNotSupported(info.group, info.plural, ri.verb);
  const user = ctx.user;
  switch (info.plural) {
    case 'selfsubjectaccessreviews':
    case 'subjectaccessreviews': {
      const b = await body(ctx);
      const spec = isObj(b.spec) ? b.spec : {};
      if (!isObj(spec.resourceAttributes) && !isObj(spec.nonResourceAttributes)) {
        throw errors.invalid(info.group, info.kind, '', `${info.kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`, [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
      }
      sendJson(ctx.res, 201, { kind: info.kind, apiVersion: av, metadata: { creationTimestamp: null, ...(isObj(b.metadata) ? b.metadata : {}) }, spec, status: { allowed: true, reason: 'berth allows every authenticated user (authorization enforcement is not enabled)' } });
      return;
    }
    case 'selfsubjectrulesreviews': {
      const b = await body(ctx);
      sendJson(ctx.res, 201, {
        kind: info.kind, apiVersion: av, metadata: { creationTimestamp: null }, spec: b.spec ?? {},
        status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false },
      });
      return;
    }
    case 'selfsubjectreviews':
      await body(ctx);
      sendJson(ctx.res, 201, { kind: info.kind, apiVersion: av, metadata: { creationTimestamp: rfc3339(ctx.now()) }, status: { userInfo: { username: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) } } });
      return;
    case 'tokenreviews': {
      const b = await body(ctx);
      const token = isObj(b.spec) && typeof b.spec.token === 'string' ? b.spec.token : '';
      const users: Array<[string, Obj]> = [
        [deps.pki.adminToken, { username: 'admin', groups: ['system:masters', 'system:authenticated'] }],
        [deps.pki.nodeToken, { username: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] }],
      ];
      const match = users.find(([t]) => token !== '' && tokenEquals(t, token));
      const wanted = isObj(b.spec) && Array.isArray(b.spec.audiences) ? b.spec.audiences.filter((a): a is string => typeof a === 'string') : [];
      const sa = !match && token !== '' ? deps.serviceAccountTokens?.review(token, wanted.length ? wanted : undefined) : undefined;
      let status: Obj;
      if (match) status = { authenticated: true, user: match[1], audiences: ['https://kubernetes.default.svc.cluster.local'] };
      else if (sa && 'user' in sa) status = { authenticated: true, user: { username: sa.user.name, uid: sa.user.uid, groups: sa.user.groups, extra: sa.user.extra }, audiences: sa.audiences };
      else status = { authenticated: false, error: sa ? `[invalid bearer token, ${sa.error}]` : 'invalid token' };
      sendJson(ctx.res, 201, { kind: info.kind, apiVersion: av, metadata: { creationTimestamp: null }, spec: { token: '', ...(wanted.length ? { audiences: wanted } : {}) }, status });
      return;
    }
    case 'componentstatuses': {
      // Deprecated upstream too. The store's entry is checked for real; the scheduler and controllers run
      // inside this server (their own health is in its log and /metrics).
      let storeCond: Obj = { type: 'Healthy', status: 'True', message: 'ok' };
      try {
        await deps.storeHealth();
      } catch (e) {
        storeCond = { type: 'Healthy', status: 'False', message: 'store unreachable', error: e instanceof Error ? e.message : String(e) };
      }
      const items = ['scheduler', 'controller-manager', 'etcd-0'].map((n) => ({
        kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: n, creationTimestamp: null },
        conditions: [n === 'etcd-0' ? storeCond : { type: 'Healthy', status: 'True', message: 'ok' }],
      }));
      const chosen = ri.name ? items.filter((i) => i.metadata.name === ri.name) : items;
      if (ri.name && chosen.length === 0) throw errors.notFound('', 'componentstatuses', ri.name);
      if (ctx.negotiated.form === 'table') sendJson(ctx.res, 200, buildTable({ group: '', plural: 'componentstatuses', objects: chosen, listMeta: {}, now: ctx.now() }));
      else if (ri.name) sendJson(ctx.res, 200, chosen[0]);
      else sendJson(ctx.res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
      return;
    }
    case 'bindings': {
      // POST /api/v1/namespaces/<ns>/bindings with the pod's name in metadata.name.
      const pods = deps.endpoints('', 'v1', 'pods');
      if (!pods) throw errors.notFoundPath();
      const b = await body(ctx);
      const name = String(meta(b).name ?? '');
      if (!name) throw errors.badRequest('a Binding needs metadata.name (the pod to bind)');
      await bindPod(ctx, pods, ri.namespace, name, b);
      return;
    }
  }
  throw errors.notFoundPath();
}
