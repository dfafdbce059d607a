// One-shot lease keep-alives over a single, lazily opened LeaseKeepAlive stream.
import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { LeaseNotFoundError, StoreUnavailableError } from '../errors';

type Stream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class LeaseKeeper {
  private stream: Promise<Stream> | undefined;
  private readonly waiting = new Map<string, Waiter[]>();
  private closed = false;

  constructor(private readonly client: Etcd3) {}

  /** Renews lease `id` to its full TTL; LeaseNotFoundError when etcd no longer has it. */
  async keepAlive(id: number): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('etcd store is closed');
    const stream = await this.open();
    await new Promise<void>((resolve, reject) => {
      const key = String(id);
      const timer = setTimeout(() => {
        this.drop(key, w);
        reject(new StoreUnavailableError(`etcd did not answer the keep-alive of lease ${id} within 10 s`));
      }, 10_000);
      const w: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const list = this.waiting.get(key) ?? [];
      list.push(w);
      this.waiting.set(key, list);
      stream.write({ ID: id });
    });
  }

  close(): void {
    this.closed = true;
    this.failAll(new StoreUnavailableError('etcd store is closed'));
    const s = this.stream;
    this.stream = undefined;
    void s?.then((st) => st.end(), () => undefined);
  }

  private drop(key: string, w: Waiter): void {
    const list = (this.waiting.get(key) ?? []).filter((x) => x !== w);
    if (list.length) this.waiting.set(key, list);
    else this.waiting.delete(key);
  }

  private failAll(err: Error): void {
    for (const list of this.waiting.values()) for (const w of list) w.reject(err);
    this.waiting.clear();
  }

  private open(): Promise<Stream> {
    this.stream ??= this.client.leaseClient.leaseKeepAlive().then((st) => {
      st.on('data', (res: ILeaseKeepAliveResponse) => {
        const list = this.waiting.get(String(res.ID));
        const w = list?.shift();
        if (list && list.length === 0) this.waiting.delete(String(res.ID));
        if (!w) return;
        if (Number(res.TTL) <= 0) w.reject(new LeaseNotFoundError(Number(res.ID)));
        else w.resolve();
      });
      const broken = (why: string): void => {
        this.stream = undefined;
        this.failAll(new StoreUnavailableError(`etcd lease keep-alive stream ${why}`));
      };
      st.on('error', (e: Error) => broken(`failed: ${e.message}`));
      st.on('end', () => broken('ended'));
      return st;
    });
    return this.stream;
  }
}
