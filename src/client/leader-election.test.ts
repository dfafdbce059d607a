import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, flush } from './clock';
import { ApiError } from './errors';
import { runLeaderElection } from './leader-election';
import { createLeaseLock, recordFromSpec, type LeaderElectionRecord, type Lease, type ResourceLock } from './lease-lock';
import { Resources } from './resource-ref';
import { startFakeApiServer } from './testing/fake-apiserver';
import { waitFor } from './testing/wait';

/** One shared in-memory lease with a version counter; each candidate gets its own view (like its own client). */
class MemoryLease {
  rec: LeaderElectionRecord | undefined;
  version = 0;
  writes: Array<{ by: string; rec: LeaderElectionRecord }> = [];
  lockFor(who: string, partitioned: () => boolean = () => false): ResourceLock {
    let seen = -1;
    const check = (): void => {
      if (partitioned()) throw new Error(`${who}: connection refused`);
    };
    return {
      describe: () => 'mem/lease',
      get: async () => {
        check();
        seen = this.version;
        return this.rec ? { record: { ...this.rec }, raw: `${this.version}` } : undefined;
      },
      create: async (rec) => {
        check();
        if (this.rec) throw new ApiError(409, { reason: 'AlreadyExists', message: 'exists' });
        this.rec = { ...rec };
        seen = ++this.version;
        this.writes.push({ by: who, rec: { ...rec } });
      },
      update: async (rec) => {
        check();
        if (seen !== this.version) throw new ApiError(409, { reason: 'Conflict', message: 'modified' });
        this.rec = { ...rec };
        seen = ++this.version;
        this.writes.push({ by: who, rec: { ...rec } });
      },
    };
  }
}

interface Candidate {
  log: string[];
  ac: AbortController;
  done: Promise<void>;
  leading: () => boolean;
}

function candidate(clock: FakeClock, lease: MemoryLease, who: string, partitioned?: () => boolean): Candidate {
  const log: string[] = [];
  const ac = new AbortController();
  let leading = false;
  const done = runLeaderElection({
    lock: lease.lockFor(who, partitioned), identity: who, clock, signal: ac.signal,
    leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, random: () => 0,
    onStartedLeading: (s) => {
      leading = true;
      log.push('started');
      s.addEventListener('abort', () => log.push('leading-signal-aborted'));
    },
    onStoppedLeading: () => {
      leading = false;
      log.push('stopped');
    },
    onError: () => undefined,
  });
  return { log, ac, done, leading: () => leading };
}

test('leader election: a lone candidate acquires at once and renews every retry period', async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(clock, lease, 'a');
  await flush();
  assert.equal(a.leading(), true, 'a did not acquire a missing lease');
  assert.equal(lease.rec?.holderIdentity, 'a');
  const acquired = lease.rec?.acquireTime;
  await clock.tick(2000);
  assert.equal(lease.rec?.renewTime, clock.now(), `renewTime: got ${lease.rec?.renewTime}, want ${clock.now()}`);
  assert.equal(lease.rec?.acquireTime, acquired, 'renewal must keep acquireTime');
  assert.equal(lease.rec?.leaseTransitions, 0, 'renewal must keep leaseTransitions');
  a.ac.abort();
  await a.done;
});

test('leader election: a follower waits for the lease to expire, measured from its own observation', async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  let aCut = false;
  const a = candidate(clock, lease, 'a', () => aCut);
  await flush();
  const b = candidate(clock, lease, 'b');
  await flush();
  assert.equal(b.leading(), false, 'b acquired a lease held by a');
  await clock.tick(30_000); // a keeps renewing: b must stay a follower
  assert.equal(b.leading(), false, 'b acquired while a was renewing');
  const lastRenew = lease.rec?.renewTime as number;
  aCut = true; // a is partitioned from the API server
  await clock.tick(10_000);
  assert.deepEqual(a.log, ['started'], `a gave up before its renew deadline: ${a.log.join(', ')}`);
  await clock.tick(2_000);
  assert.deepEqual(a.log, ['started', 'leading-signal-aborted', 'stopped'], `a after renew deadline: got ${a.log.join(', ')}`);
  assert.equal(b.leading(), false, 'b acquired before the lease expired');
  await clock.tick(15_000 + 4_000);
  assert.equal(b.leading(), true, 'b did not take over after expiry');
  assert.ok((lease.rec?.acquireTime as number) >= lastRenew + 15_000, `b acquired at ${lease.rec?.acquireTime}, before ${lastRenew} + 15 s`);
  assert.equal(lease.rec?.leaseTransitions, 1, `transitions: got ${lease.rec?.leaseTransitions}, want 1`);
  await a.done;
  b.ac.abort();
  await b.done;
});

test('leader election: a clean shutdown releases the lease and the follower takes over on its next retry', async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(clock, lease, 'a');
  await flush();
  const b = candidate(clock, lease, 'b');
  await clock.tick(4000);
  a.ac.abort();
  await a.done;
  assert.equal(lease.rec?.holderIdentity, '', `after release: holder ${JSON.stringify(lease.rec?.holderIdentity)}, want ""`);
  assert.equal(lease.rec?.leaseDurationSeconds, 1, 'release sets leaseDurationSeconds 1');
  assert.deepEqual(a.log, ['started', 'leading-signal-aborted', 'stopped']);
  await clock.tick(2000);
  assert.equal(b.leading(), true, 'b did not take over a released lease within one retry period');
  b.ac.abort();
  await b.done;
});

test('leader election: two candidates racing for a new lease: exactly one leads', async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const cs = ['a', 'b', 'c'].map((w) => candidate(clock, lease, w));
  await clock.tick(20_000);
  const leaders = cs.filter((c) => c.leading()).length;
  assert.equal(leaders, 1, `leaders: got ${leaders}, want 1`);
  for (const c of cs) c.ac.abort();
  await Promise.all(cs.map((c) => c.done));
});

test('leader election: options are validated', async () => {
  const cases = [
    { name: 'lease shorter than renew deadline', o: { leaseDurationSeconds: 5, renewDeadlineSeconds: 10 } },
    { name: 'renew deadline under 1.2 × retry', o: { renewDeadlineSeconds: 2, retryPeriodSeconds: 2 } },
  ];
  for (const c of cases) {
    await assert.rejects(
      runLeaderElection({ lock: new MemoryLease().lockFor('x'), identity: 'x', signal: new AbortController().signal, onStartedLeading: () => undefined, ...c.o }),
      Error, c.name);
  }
});

test('leader election: Lease lock against the fake API server (create, renew fields, release)', async () => {
  const srv = await startFakeApiServer();
  try {
    const client = srv.client();
    const ac = new AbortController();
    let started = false;
    const done = runLeaderElection({
      client, namespace: 'kube-system', name: 'berth-scheduler', identity: 'node-1', signal: ac.signal,
      onStartedLeading: () => void (started = true),
    });
    await waitFor(() => started, 'leadership');
    const lease = await client.resource<Lease>(Resources.leases).get('kube-system', 'berth-scheduler');
    assert.equal(lease.spec?.holderIdentity, 'node-1');
    assert.equal(lease.spec?.leaseDurationSeconds, 15);
    assert.match(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, `renewTime must be a MicroTime: ${lease.spec?.renewTime}`);
    ac.abort();
    await done;
    const after = await client.resource<Lease>(Resources.leases).get('kube-system', 'berth-scheduler');
    assert.equal(after.spec?.holderIdentity, '', `released holder: got ${JSON.stringify(after.spec?.holderIdentity)}`);
    // A stale writer loses: update with an old resourceVersion is a Conflict.
    const lockA = createLeaseLock(client, 'kube-system', 'berth-scheduler');
    const lockB = createLeaseLock(client, 'kube-system', 'berth-scheduler');
    const got = await lockA.get();
    await lockB.get();
    await lockB.update({ ...(got?.record as LeaderElectionRecord), holderIdentity: 'b' });
    await assert.rejects(lockA.update({ ...(got?.record as LeaderElectionRecord), holderIdentity: 'a' }), (e: unknown) => e instanceof ApiError && e.reason === 'Conflict');
    assert.equal(recordFromSpec((await client.resource<Lease>(Resources.leases).get('kube-system', 'berth-scheduler')).spec).holderIdentity, 'b');
  } finally {
    await srv.close();
  }
});
