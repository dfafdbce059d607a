// Static pods (pkg/kubelet/config/file.go + mirror pods): manifests in a directory, polled, run even
// without an API server. Each is named `<name>-<nodeName>`, gets a UID hashed from its content and the node
// (so an edit is a new pod: the old one stops, the new one starts), and is mirrored into the API as a pod
// carrying the `kubernetes.io/config.mirror` annotation; the kubelet reports status on the mirror, re-creates
// it if someone deletes it, and deletes it when the file goes away.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Client, Clock } from '../client';
import { isAlreadyExists, isNotFound, Resources } from '../client';
import { CONFIG_HASH_ANNOTATION, CONFIG_SOURCE_ANNOTATION, MIRROR_ANNOTATION, type LogFn, type Pod } from './types';

const POLL_MS = 5000;

export class StaticPodSource {
  /** uid → pod, as read from the directory. */
  private readonly pods = new Map<string, Pod>();
  onChange: (added: Pod[], removedUids: string[]) => void = () => undefined;
  private readonly mirrored = new Map<string, string>();

  constructor(private readonly dir: string, private readonly nodeName: string, private readonly clock: Clock, private readonly log: LogFn) {}

  isStatic(pod: Pod): boolean {
    return this.pods.has(pod.metadata.uid);
  }

  isMirror(pod: Pod): boolean {
    return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
  }

  hasUid(uid: string): boolean {
    return this.pods.has(uid);
  }

  mirrorNameOf(pod: Pod): string | undefined {
    return this.isStatic(pod) ? pod.metadata.name : undefined;
  }

  /** Reads the directory once; returns the pods it holds. */
  scan(): Map<string, Pod> {
    const out = new Map<string, Pod>();
    let files: string[] = [];
    try {
      files = readdirSync(this.dir).filter((f) => !f.startsWith('.') && /\.(ya?ml|json)$/.test(f)).sort();
    } catch {
      return out;
    }
    for (const f of files) {
      const path = join(this.dir, f);
      try {
        if (!statSync(path).isFile()) continue;
        const text = readFileSync(path, 'utf8');
        for (const doc of parseAllDocuments(text)) {
          const obj = doc.toJS() as Pod | null;
          if (!obj || obj.kind !== 'Pod' || !obj.metadata?.name) continue;
          const pod = this.normalize(obj, path, text);
          out.set(pod.metadata.uid, pod);
        }
      } catch (e) {
        this.log('warn', `static pod manifest ${path}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private normalize(obj: Pod, path: string, text: string): Pod {
    const uid = createHash('md5').update(`${this.nodeName}\n${path}\n${text}`).digest('hex');
    const name = `${obj.metadata.name}-${this.nodeName}`;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...obj.metadata,
        name,
        namespace: obj.metadata.namespace || 'default',
        uid,
        annotations: { ...obj.metadata.annotations, [CONFIG_SOURCE_ANNOTATION]: 'file', [CONFIG_HASH_ANNOTATION]: uid },
      },
      spec: { restartPolicy: 'Always', ...obj.spec, nodeName: this.nodeName },
      status: { phase: 'Pending' },
    };
  }

  /** Polls the directory and keeps the mirror pods in step until `signal` aborts. */
  start(client: Client | undefined, signal: AbortSignal): void {
    const poll = async (): Promise<void> => {
      const now = this.scan();
      const added = [...now.values()].filter((p) => !this.pods.has(p.metadata.uid));
      const removed = [...this.pods.keys()].filter((uid) => !now.has(uid));
      for (const p of added) this.pods.set(p.metadata.uid, p);
      if (added.length || removed.length) this.onChange(added, removed);
      for (const uid of removed) this.pods.delete(uid);
      if (client) await this.syncMirrors(client, removed);
    };
    void (async () => {
      while (!signal.aborted) {
        try {
          await poll();
        } catch (e) {
          this.log('debug', `static pods: ${(e as Error).message}`);
        }
        await this.clock.sleep(POLL_MS, signal);
      }
    })();
  }

  private async syncMirrors(client: Client, removedUids: string[]): Promise<void> {
    const pods = client.resource<Pod>(Resources.pods);
    const live = new Set([...this.pods.values()].map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    for (const uid of removedUids) {
      const key = this.mirrored.get(uid);
      this.mirrored.delete(uid);
      if (!key || live.has(key)) continue;
      const [ns, name] = key.split('/') as [string, string];
      await pods.delete(ns, name, { gracePeriodSeconds: 0 }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
    }
    for (const p of this.pods.values()) {
      const { namespace, name } = p.metadata;
      let cur: Pod | undefined;
      try {
        cur = await pods.get(namespace, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (cur && cur.metadata.annotations?.[MIRROR_ANNOTATION] === p.metadata.uid && !cur.metadata.deletionTimestamp) {
        this.mirrored.set(p.metadata.uid, `${namespace}/${name}`);
        continue;
      }
      if (cur) await pods.delete(namespace, name, { gracePeriodSeconds: 0 }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
      const mirror: Pod = structuredClone(p);
      const { uid: _u, ...meta } = mirror.metadata;
      mirror.metadata = { ...meta, annotations: { ...meta.annotations, [MIRROR_ANNOTATION]: p.metadata.uid } } as unknown as Pod['metadata'];
      delete mirror.status;
      try {
        await pods.create(namespace, mirror);
        this.mirrored.set(p.metadata.uid, `${namespace}/${name}`);
      } catch (e) {
        if (!isAlreadyExists(e)) this.log('warn', `mirror pod ${namespace}/${name}: ${(e as Error).message}`);
      }
    }
  }
}
