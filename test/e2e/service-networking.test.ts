// Issue 7's end-to-end flow on a real `berth server` with its real kubelet, CNI pod network, iptables
// service proxy, cluster DNS and ingress controller, driven by the real kubectl: a Deployment of 3 HTTP
// servers behind a ClusterIP Service, scaling, a NodePort, DNS from a pod and from the node, an Ingress
// routing two hosts with TLS, and a deleted backend leaving the rotation.
// Root only (namespaces, iptables, port 53); the only test that runs a server with node networking, so it
// never races another one for the host-wide chains and the bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../support/server';
import { eventually, kubectlFor } from './kubectl-helpers';

const root = process.getuid?.() === 0;

function httpGet(host: string, port: number, headers: Record<string, string> = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', headers, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port}: timed out`)));
    req.on('error', reject);
  });
}

function httpsGet(port: number, servername: string): Promise<{ code: number; body: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername, headers: { host: servername }, rejectUnauthorized: false, timeout: 3000, agent: false }, (res) => {
      const subject = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '';
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: body.trim(), subject: String(subject) }));
    });
    req.on('timeout', () => req.destroy(new Error('https: timed out')));
    req.on('error', reject);
    req.end();
  });
}

const web = (name: string, replicas: number): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: web
        image: busybox
        command: ["sh", "-c", "d=$(mktemp -d) && echo $POD_NAME > $d/index.html && exec busybox httpd -f -p 8080 -h $d"]
        env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
        lifecycle: {preStop: {exec: {command: ["sleep", "2"]}}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: http}]
`;

test('service networking end to end: ClusterIP, scaling, NodePort, DNS, Ingress with TLS, backend removal', { skip: root ? false : 'needs root', timeout: 300_000 }, async () => {
  let b: BerthProcess | undefined;
  try {
    b = await startBerth({ networking: true, args: ['--ingress-http-port', '0', '--ingress-https-port', '0'] });
    const k = kubectlFor(b.kubeconfigPath);
    await k.ok(['apply', '-f', '-'], { input: web('web', 3) + '---' + web('other', 1) });
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    await k.ok(['rollout', 'status', 'deployment/other', '--timeout=90s']);
    const podNames = async (app: string): Promise<string[]> => (await k.ok(['get', 'pods', '-l', `app=${app}`, '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean).sort();
    const pods = await podNames('web');
    assert.equal(pods.length, 3, `3 web pods: ${pods.join(',')}`);
    const ips = (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}'])).split(' ');
    for (const ip of ips) assert.match(ip, /^10\.42\.\d+\.\d+$/, `pod IP ${ip} from the cluster CIDR`);

    // ClusterIP: every backend answers
    const clusterIP = await k.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    const seen = new Set<string>();
    await eventually('all 3 backends answer on the ClusterIP', async () => {
      for (let i = 0; i < 10; i++) seen.add((await httpGet(clusterIP, 80)).body);
      return pods.every((p) => seen.has(p));
    }, 30_000);
    assert.deepEqual([...seen].sort(), pods, 'only the Deployment\'s pods answer');

    // DNS from the node (the kube-dns ClusterIP) and from inside a pod
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers(['10.43.0.10']);
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), [clusterIP], 'the node resolves the Service through cluster DNS');
    const lookup = await k.ok(['exec', pods[0]!, '--', 'busybox', 'nslookup', 'web.default.svc.cluster.local']);
    assert.ok(lookup.includes(clusterIP), `nslookup in a pod finds ${clusterIP}:\n${lookup}`);
    const viaName = await k.ok(['exec', pods[0]!, '--', 'wget', '-qO-', '-T', '3', 'http://other/']);
    assert.deepEqual([viaName.trim()], await podNames('other'), 'a pod reaches another Service by its short name');

    // NodePort on the node's address
    await k.ok(['patch', 'svc', 'web', '-p', '{"spec":{"type":"NodePort"}}']);
    const nodePort = Number(await k.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    const viaNodePort = await eventually('the NodePort answers', async () => {
      const r = await httpGet('127.0.0.1', nodePort).catch(() => undefined);
      return r?.code === 200 ? r.body : undefined;
    });
    assert.ok(pods.includes(viaNodePort), `NodePort answered by ${viaNodePort}`);

    // scaling to 1 and back keeps the Service answering (preStop keeps a terminating pod serving until it left the rotation)
    let failures = 0;
    let requests = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        requests++;
        const r = await httpGet(clusterIP, 80).catch(() => undefined);
        if (r?.code !== 200) failures++;
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    await k.ok(['scale', 'deployment/web', '--replicas=1']);
    await eventually('1 web pod left', async () => (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 1, 60_000);
    await k.ok(['scale', 'deployment/web', '--replicas=3']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    polling = false;
    await poller;
    assert.equal(failures, 0, `${failures} of ${requests} requests failed while scaling 3 → 1 → 3`);

    // a deleted backend leaves the rotation once its endpoint is gone (plus the proxy's 1 s minimum sync interval)
    const now = await podNames('web');
    const victim = now[0]!;
    const victimIP = await k.ok(['get', 'pod', victim, '-o', 'jsonpath={.status.podIP}']);
    await k.ok(['delete', 'pod', victim, '--wait=false']);
    await eventually('the endpoint of the deleted pod is not ready', async () => {
      const slices = JSON.parse(await k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])) as { items: Array<{ endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }> }> };
      return !slices.items.some((s) => s.endpoints?.some((e) => e.addresses.includes(victimIP) && e.conditions?.ready !== false));
    });
    await new Promise((res) => setTimeout(res, 1000));
    for (let i = 0; i < 20; i++) {
      const r = await httpGet(clusterIP, 80);
      assert.equal(r.code, 200, `request ${i} after the endpoint update`);
      assert.notEqual(r.body, victim, `request ${i} went to the deleted pod ${victim}`);
    }

    // Ingress: two hosts to two Services, TLS terminated for one of them
    const ports = /ingress: serving http on \S+:(\d+) and https on \S+:(\d+)/.exec(b.output());
    assert.ok(ports, `the ingress controller reported its ports:\n${b.output().slice(-2000)}`);
    const [httpPort, httpsPort] = [Number(ports[1]), Number(ports[2])];
    const tls = mkdtempSync(join(tmpdir(), 'ingress-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tls, 'k.pem'), '-out', join(tls, 'c.pem'), '-days', '1', '-subj', '/CN=web.example.test', '-addext', 'subjectAltName=DNS:web.example.test'], { stdio: 'ignore' });
    await k.ok(['create', 'secret', 'tls', 'web-tls', `--cert=${join(tls, 'c.pem')}`, `--key=${join(tls, 'k.pem')}`]);
    await k.ok(['apply', '-f', '-'], { input: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two-hosts}
spec:
  tls: [{hosts: [web.example.test], secretName: web-tls}]
  rules:
  - host: web.example.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
  - host: other.example.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: other, port: {name: http}}}}]}
` });
    const others = await podNames('other');
    const webPods = await podNames('web');
    await eventually('the ingress routes other.example.test', async () => (await httpGet('127.0.0.1', httpPort, { host: 'other.example.test' })).body === others[0]);
    const viaTls = await eventually('the ingress terminates TLS for web.example.test', async () => {
      const r = await httpsGet(httpsPort, 'web.example.test').catch(() => undefined);
      return r?.code === 200 && r.subject === 'web.example.test' ? r : undefined;
    });
    assert.ok(webPods.includes(viaTls.body), `TLS request answered by a web pod (${viaTls.body})`);
    assert.equal(readFileSync(join(tls, 'c.pem'), 'utf8').includes('BEGIN CERTIFICATE'), true);
  } finally {
    if (b) {
      const k = kubectlFor(b.kubeconfigPath);
      await k(['delete', 'deployment', '--all', '--wait=true', '--timeout=60s']);
      await eventually('every pod gone', async () => (await k.ok(['get', 'pods', '-o', 'name'])).trim() === '', 60_000).catch(() => undefined);
      await b.stop();
    }
  }
  assert.equal((() => { try { return execFileSync('ip', ['link', 'show', 'berth-cni0'], { stdio: 'pipe' }).toString(); } catch { return ''; } })(), '', 'a clean stop removes the pod bridge');
});
