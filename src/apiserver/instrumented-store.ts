// Wraps a Store so every call is timed into the API server's metrics (berth_store_request_duration_seconds
// by operation and resource), the figure operators compare with etcd's own request latency.
import type { Store } from '../store/types';
import type { Metrics } from './metrics';

/** `/registry/pods/default/x` → `pods` (the first path element after /registry/). */
function resourceOf(key: string): string {
  const rest = key.startsWith('/registry/') ? key.slice('/registry/'.length) : key;
  const i = rest.indexOf('/');
  return i < 0 ? rest : rest.slice(0, i);
}

export function instrumentStore(store: Store, metrics: Metrics): Store {
  const timed = <T>(op: string, key: string, p: Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    const done = () => metrics.store(op, resourceOf(key), Number(process.hrtime.bigint() - start) / 1e9);
    return p.then(
      (v) => {
        done();
        return v;
      },
      (e: unknown) => {
        done();
        throw e;
      },
    );
  };
  return {
    backend: store.backend,
    range: (key, opts) => timed(opts?.end ? 'list' : 'get', key, store.range(key, opts)),
    create: (key, value, opts) => timed('create', key, store.create(key, value, opts)),
    update: (key, value, rev, opts) => timed('update', key, store.update(key, value, rev, opts)),
    delete: (key, rev) => timed('delete', key, store.delete(key, rev)),
    watch: (key, opts, handlers) => store.watch(key, opts, handlers),
    grantLease: (ttl) => timed('grant', 'leases', store.grantLease(ttl)),
    keepAliveLease: (id) => store.keepAliveLease(id),
    revokeLease: (id) => store.revokeLease(id),
    compact: (rev) => timed('compact', '', store.compact(rev)),
    revisions: () => store.revisions(),
    close: () => store.close(),
  };
}
