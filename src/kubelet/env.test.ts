import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, containerEnv, expandArgs, type ConfigSource } from './env';
import { expand } from './expansion';
import type { Container, Pod, Service } from './types';

test('$(VAR) expansion as upstream', () => {
  const vars: Record<string, string> = { A: 'a', B: 'b' };
  const cases = [
    { in: '$(A)', want: 'a' },
    { in: 'x$(A)y$(B)', want: 'xayb' },
    { in: '$(MISSING)', want: '$(MISSING)' },
    { in: '$$(A)', want: '$(A)' },
    { in: '$A', want: '$A' },
    { in: '$(A', want: '$(A' },
    { in: 'end$', want: 'end$' },
  ];
  for (const c of cases) {
    const got = expand(c.in, (n) => vars[n]);
    assert.equal(got, c.want, `${JSON.stringify(c.in)}: got ${JSON.stringify(got)} want ${JSON.stringify(c.want)}`);
  }
});

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'web' } },
  spec: { containers: [], nodeName: 'n1', serviceAccountName: 'sa' },
};
const svc = (ns: string, name: string, ip: string, ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never): Service =>
  ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });
const src: ConfigSource = {
  configMap: (_ns, n) => Promise.resolve(n === 'cfg' ? { data: { LEVEL: 'debug', MODE: 'fast' } } : undefined),
  secret: (_ns, n) => Promise.resolve(n === 'sec' ? { data: { TOKEN: Buffer.from('t0k').toString('base64') } } : undefined),
  services: () => [svc('ns', 'my-db', '10.0.0.9', [{ name: 'sql', port: 5432, protocol: 'TCP' }]), svc('default', 'kubernetes', '10.0.0.1', [{ name: 'https', port: 443 }])],
};
const ctx = { pod, podIP: '10.1.0.4', hostIP: '192.168.1.2', nodeAllocatable: { cpu: 4, memory: 8 * 1024 ** 3 } };

test('containerEnv: order, valueFrom, envFrom, service links', async () => {
  const c: Container = {
    name: 'c',
    resources: { limits: { memory: '64Mi', cpu: '500m' } },
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
    env: [
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'GREETING', value: 'hi $(NAME) at $(MY_DB_SERVICE_HOST)' },
    ],
  };
  const env = new Map((await containerEnv(c, ctx, src)).map((e) => [e.name, e.value]));
  const want: Record<string, string> = {
    NAME: 'p', APP: 'web', IP: '10.1.0.4', HOST: '192.168.1.2', LEVEL: 'debug', TOKEN: 't0k', MEM_MI: '64', CPU: '1',
    CFG_MODE: 'fast', GREETING: 'hi p at 10.0.0.9', MY_DB_SERVICE_HOST: '10.0.0.9', MY_DB_SERVICE_PORT: '5432', MY_DB_SERVICE_PORT_SQL: '5432',
    MY_DB_PORT: 'tcp://10.0.0.9:5432', MY_DB_PORT_5432_TCP_ADDR: '10.0.0.9', KUBERNETES_SERVICE_HOST: '10.0.0.1',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(env.get(k), v, `${k}: got ${env.get(k)} want ${v}`);
  assert.deepEqual(expandArgs(['echo', '$(NAME)', '$$(NAME)'], [...env].map(([name, value]) => ({ name, value }))), ['echo', 'p', '$(NAME)']);
  const noLinks = new Map((await containerEnv({ name: 'c' }, { ...ctx, pod: { ...pod, spec: { ...pod.spec, enableServiceLinks: false } } }, src)).map((e) => [e.name, e.value]));
  assert.equal(noLinks.get('MY_DB_SERVICE_HOST'), undefined, 'enableServiceLinks=false drops namespace services');
  assert.equal(noLinks.get('KUBERNETES_SERVICE_HOST'), '10.0.0.1', 'the kubernetes service stays');
});

test('containerEnv: missing references are CreateContainerConfigError messages', async () => {
  const cases: Array<{ name: string; env: Container['env']; envFrom?: Container['envFrom']; want: string | undefined }> = [
    { name: 'missing configmap', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], want: 'configmap "nope" not found' },
    { name: 'missing key', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }], want: "couldn't find key k in ConfigMap ns/cfg" },
    { name: 'missing secret', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], want: 'secret "nope" not found' },
    { name: 'optional missing secret', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } }], want: undefined },
    { name: 'missing envFrom secret', env: [], envFrom: [{ secretRef: { name: 'gone' } }], want: 'secret "gone" not found' },
  ];
  for (const c of cases) {
    let got: string | undefined;
    try {
      await containerEnv({ name: 'c', env: c.env, envFrom: c.envFrom }, ctx, src);
    } catch (e) {
      assert.ok(e instanceof ConfigError, `${c.name}: a ConfigError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got} want ${c.want}`);
  }
});
