// The node side of pods/log, exec, attach, portforward and proxy: the API server finds the pod's node and
// forwards the request to that node's kubelet over HTTPS, authenticating with a client certificate signed
// by the cluster CA. Upgrades (WebSocket, SPDY) are piped byte for byte, so the kubelet speaks the
// streaming protocols to the client directly, as upstream does.
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ApiError, errors } from '../errors';
import { sendJson } from '../http/respond';
import type { ResourceRequest } from '../http/request-info';
import { isObj, meta, str, type Obj } from '../registry/object';
import type { Registry } from '../registry/registry';
import type { RequestContext } from './context';
import type { Endpoint } from './resource';

export interface NodeProxyDeps {
  pods: Registry;
  nodes: Registry;
  clientCert: { certPem: string; keyPem: string };
}

interface Target {
  host: string;
  port: number;
  path: string;
}

const KUBELET_PATH: Record<string, string> = { log: 'containerLogs', exec: 'exec', attach: 'attach', portforward: 'portForward' };

function containerOf(pod: Obj, requested: string | null): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = ((spec.containers as Obj[] | undefined) ?? []).map((c) => String(c.name));
  const inits = ((spec.initContainers as Obj[] | undefined) ?? []).map((c) => String(c.name));
  const eph = ((spec.ephemeralContainers as Obj[] | undefined) ?? []).map((c) => String(c.name));
  const name = str(meta(pod).name) ?? '';
  if (requested) {
    if (![...containers, ...inits, ...eph].includes(requested)) {
      throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  if (containers.length === 1) return containers[0]!;
  const def = (meta(pod).annotations as Record<string, string> | undefined)?.['kubectl.kubernetes.io/default-container'];
  if (def && containers.includes(def)) return def;
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`);
}

async function resolveTarget(d: NodeProxyDeps, ri: ResourceRequest, query: URLSearchParams): Promise<Target> {
  const pod = (await d.pods.get(ri.namespace, ri.name)).obj;
  const spec = isObj(pod.spec) ? pod.spec : {};
  const nodeName = str(spec.nodeName);
  const sub = ri.subresource;
  let path: string;
  if (sub === 'portforward') path = `/portForward/${ri.namespace}/${ri.name}`;
  else {
    const container = containerOf(pod, query.get('container'));
    if (!nodeName) {
      throw errors.badRequest(`container "${container}" in pod "${ri.name}" is waiting to start: ContainerCreating`);
    }
    const q = new URLSearchParams(query);
    q.delete('container');
    path = `/${KUBELET_PATH[sub]}/${ri.namespace}/${ri.name}/${container}`;
    const qs = q.toString();
    if (qs) path += `?${qs}`;
  }
  if (sub === 'portforward') {
    const qs = query.toString();
    if (qs) path += `?${qs}`;
  }
  if (!nodeName) throw errors.badRequest(`pod ${ri.name} does not have a host assigned`);
  const node = d.nodes.peek('', nodeName)?.obj;
  if (!node) throw new ApiError(503, 'ServiceUnavailable', `the node "${nodeName}" of pod "${ri.name}" is not registered`);
  const status = isObj(node.status) ? node.status : {};
  const addrs = (status.addresses as Array<{ type: string; address: string }> | undefined) ?? [];
  const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  const de = isObj(status.daemonEndpoints) ? status.daemonEndpoints : {};
  const ke = isObj(de.kubeletEndpoint) ? de.kubeletEndpoint : {};
  const port = typeof ke.Port === 'number' && ke.Port > 0 ? ke.Port : 10250;
  if (!host) throw new ApiError(503, 'ServiceUnavailable', `node "${nodeName}" reports no address for its kubelet`);
  return { host, port, path };
}

/** Non-upgrade requests: pods/log (streamed through). */
export function createConnectHandler(d: NodeProxyDeps): (ctx: RequestContext, ep: Endpoint, ri: ResourceRequest) => Promise<void> {
  return async (ctx, _ep, ri) => {
    if (ri.subresource !== 'log') {
      throw errors.badRequest(`${ri.subresource} requires an upgrade to a streaming protocol (WebSocket or SPDY/3.1)`);
    }
    if (ri.verb !== 'get') throw errors.methodNotSupported('', 'pods/log', ri.verb);
    const t = await resolveTarget(d, ri, ctx.query);
    await new Promise<void>((resolve, reject) => {
      const up = httpsRequest(
        { host: t.host, port: t.port, path: t.path, method: 'GET', cert: d.clientCert.certPem, key: d.clientCert.keyPem, rejectUnauthorized: false },
        (kres) => {
          const headers: Record<string, string> = { 'Content-Type': String(kres.headers['content-type'] ?? 'text/plain') };
          ctx.res.writeHead(kres.statusCode ?? 502, headers);
          kres.pipe(ctx.res);
          kres.on('end', resolve);
          kres.on('error', reject);
        },
      );
      up.on('error', (e) => {
        if (ctx.res.headersSent) {
          ctx.res.end();
          resolve();
        } else reject(new ApiError(502, 'InternalError', `cannot reach the kubelet at ${t.host}:${t.port}: ${e.message}`));
      });
      ctx.req.on('close', () => up.destroy());
      up.end();
    });
  };
}

/** Upgrade requests (exec, attach, portforward): authenticated by the caller, then piped to the kubelet. */
export async function proxyUpgrade(d: NodeProxyDeps, req: IncomingMessage, socket: Duplex, head: Buffer, ri: ResourceRequest, query: URLSearchParams): Promise<void> {
  const t = await resolveTarget(d, ri, query);
  const up = tlsConnect({ host: t.host, port: t.port, cert: d.clientCert.certPem, key: d.clientCert.keyPem, rejectUnauthorized: false, servername: undefined });
  await new Promise<void>((resolve, reject) => {
    up.once('secureConnect', resolve);
    up.once('error', (e) => reject(new ApiError(502, 'InternalError', `cannot reach the kubelet at ${t.host}:${t.port}: ${e.message}`)));
  });
  const lines = [`${req.method} ${t.path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    const lk = k.toLowerCase();
    if (lk === 'authorization' || lk === 'host') continue;
    lines.push(`${k}: ${req.rawHeaders[i + 1]!}`);
  }
  lines.push(`Host: ${t.host}:${t.port}`);
  up.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length) up.write(head);
  socket.pipe(up);
  up.pipe(socket);
  const end = () => {
    socket.destroy();
    up.destroy();
  };
  socket.on('error', end);
  up.on('error', end);
  socket.on('close', end);
  up.on('close', end);
}

/** Writes an error as an HTTP response on a raw (not yet upgraded) socket. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export { sendJson };
