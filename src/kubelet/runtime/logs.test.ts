import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogWriter } from './log-writer';
import { followLogs, readLogs } from './logs';
import { formatTimestamp, parseLogLine, parseTimestamp } from './log-format';

const T0 = parseTimestamp('2016-10-06T00:17:09.000000000Z') ?? 0n;

function writerWithClock(path: string, opts: { maxSizeBytes?: number; maxFiles?: number; maxLineBytes?: number } = {}) {
  let t = T0;
  const w = new CriLogWriter(path, {
    ...opts,
    now: () => {
      t += 1_000_000_000n; // one second per record
      return t;
    },
  });
  return w;
}

test('timestamps', async (t) => {
  const cases = [
    { name: 'nine digits', in: '2016-10-06T00:17:09.669794202Z', want: '2016-10-06T00:17:09.669794202Z' },
    { name: 'trimmed zeros (Go RFC3339Nano)', in: '2016-10-06T00:17:09.6697942Z', want: '2016-10-06T00:17:09.669794200Z' },
    { name: 'no fraction', in: '2016-10-06T00:17:09Z', want: '2016-10-06T00:17:09.000000000Z' },
    { name: 'offset', in: '2016-10-06T02:17:09.5+02:00', want: '2016-10-06T00:17:09.500000000Z' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const ns = parseTimestamp(c.in);
      assert.ok(ns !== undefined, `parse ${c.in}: got undefined`);
      assert.equal(formatTimestamp(ns), c.want, `got ${formatTimestamp(ns)}, want ${c.want}`);
    });
  }
  assert.equal(parseTimestamp('yesterday'), undefined, 'malformed time must not parse');
});

test('parseLogLine', () => {
  const r = parseLogLine(Buffer.from('2016-10-06T00:17:09.669794202Z stderr P hello world'));
  assert.ok(r, 'got undefined, want a record');
  assert.equal(r.stream, 'stderr');
  assert.equal(r.partial, true);
  assert.equal(r.content.toString(), 'hello world');
  assert.equal(parseLogLine(Buffer.from('garbage')), undefined, 'garbage must not parse');
});

test('writer and reader', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  const w = writerWithClock(path, { maxLineBytes: 8 });
  w.write('stdout', Buffer.from('one\ntw'));
  w.write('stderr', Buffer.from('err1\n'));
  w.write('stdout', Buffer.from('o\nthree\n'));
  w.write('stdout', Buffer.from('0123456789abc\n')); // over maxLineBytes: P then F
  w.write('stdout', Buffer.from('tail-no-newline'));
  w.close();
  const raw = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(raw[0], '2016-10-06T00:17:10.000000000Z stdout F one', `got ${raw[0]}`);
  assert.ok(raw.some((l) => / stdout P 01234567$/.test(l)), `want a P record for the long line, got ${raw.join(' | ')}`);

  const cases: Array<{ name: string; opts: Parameters<typeof readLogs>[1]; want: string }> = [
    { name: 'all', opts: {}, want: 'one\nerr1\ntwo\nthree\n0123456789abc\ntail-no-newline\n' },
    { name: 'tail 2', opts: { tailLines: 2 }, want: '0123456789abc\ntail-no-newline\n' },
    { name: 'tail 0', opts: { tailLines: 0 }, want: '' },
    { name: 'stderr only', opts: { stream: 'stderr' }, want: 'err1\n' },
    {
      name: 'timestamps tail 1',
      opts: { timestamps: true, tailLines: 1 },
      want: `${formatTimestamp(T0 + 7_000_000_000n)} tail-no-newline\n`,
    },
    { name: 'since', opts: { sinceTime: formatTimestamp(T0 + 3_000_000_000n) }, want: 'two\nthree\n0123456789abc\ntail-no-newline\n' },
    { name: 'limitBytes', opts: { limitBytes: 6 }, want: 'one\ner' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const got = (await readLogs(path, c.opts)).toString();
      assert.equal(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    });
  }
  await t.test('missing file reads empty', async () => {
    assert.equal((await readLogs(join(dir, 'nope.log'))).length, 0);
  });
});

test('rotation keeps maxFiles and reads across them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  const w = writerWithClock(path, { maxSizeBytes: 200, maxFiles: 3 });
  for (let i = 0; i < 20; i++) w.write('stdout', Buffer.from(`line-${i}\n`));
  w.close();
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`), 'want rotated files .1 and .2');
  assert.ok(!existsSync(`${path}.3`), 'got path.3, want at most maxFiles=3 files');
  const got = (await readLogs(path, { tailLines: 3 })).toString();
  assert.equal(got, 'line-17\nline-18\nline-19\n', `got ${JSON.stringify(got)}`);
});

test('followLogs sees appended output and rotation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  const w = writerWithClock(path, { maxSizeBytes: 120, maxFiles: 2 });
  w.write('stdout', Buffer.from('first\n'));
  const ac = new AbortController();
  let got = '';
  const want = 'first\nsecond\nthird\nfourth\n';
  const done = (async () => {
    for await (const chunk of followLogs(path, { pollMs: 10 }, ac.signal)) {
      got += chunk.toString();
      if (got === 'first\n') {
        w.write('stdout', Buffer.from('second\n'));
        w.write('stdout', Buffer.from('third\n')); // rotates (120 bytes)
        w.write('stdout', Buffer.from('fourth\n'));
      }
      if (got.length >= want.length) ac.abort();
    }
  })();
  await done;
  w.close();
  assert.equal(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
});
