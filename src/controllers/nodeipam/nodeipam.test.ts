import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet } from './nodeipam';

test('CidrSet hands out node-sized subnets of the cluster CIDR in order and never twice', () => {
  const s = new CidrSet('10.42.0.0/16', 24);
  assert.equal(s.size, 256);
  assert.equal(s.allocate(), '10.42.0.0/24');
  assert.equal(s.allocate(), '10.42.1.0/24');
  assert.equal(s.occupy('10.42.2.0/24'), true, 'a CIDR already on a node is marked used');
  assert.equal(s.allocate(), '10.42.3.0/24', 'an occupied CIDR is skipped');
  s.release('10.42.1.0/24');
  const seen = new Set<string>();
  for (let i = 0; i < 253; i++) seen.add(s.allocate() ?? 'none');
  assert.equal(seen.has('none'), false, 'all 256 fit');
  assert.equal(seen.has('10.42.1.0/24'), true, 'a released CIDR is handed out again');
  assert.equal(s.allocate(), undefined, 'a full set allocates nothing');
});

test('CidrSet.indexOf accepts only its own aligned subnets', () => {
  const s = new CidrSet('10.42.0.0/16', 24);
  const cases: Array<[string, number | undefined]> = [
    ['10.42.0.0/24', 0], ['10.42.255.0/24', 255], ['10.43.0.0/24', undefined], ['10.42.0.128/24', undefined],
    ['10.42.1.0/25', undefined], ['not-a-cidr', undefined],
  ];
  for (const [cidr, want] of cases) assert.equal(s.indexOf(cidr), want, `${cidr}: got ${String(s.indexOf(cidr))}, want ${String(want)}`);
});

test('CidrSet rejects impossible configurations with a clear message', () => {
  assert.throws(() => new CidrSet('10.42.0.0/16', 8), /mask size 8/);
  assert.throws(() => new CidrSet('fd00::/64', 80), /not an IPv4 CIDR/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 30), /more than 65,536/);
});
