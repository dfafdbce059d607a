// The admin kubeconfig: CA data and a bearer token inline, written atomically with mode 0600.
import { chmodSync, renameSync, writeFileSync } from 'node:fs';

export function adminKubeconfig(o: { server: string; caPem: string; token: string; name?: string }): string {
  const name = o.name ?? 'berth';
  const ca = Buffer.from(o.caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${o.server}
    certificate-authority-data: ${ca}
users:
- name: ${name}-admin
  user:
    token: ${o.token}
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-admin
    namespace: default
current-context: ${name}
preferences: {}
`;
}

export function writeSecretFile(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
