import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createNodePorts } from './node-ports';

const withPort = (hostPort: number, hostIP?: string, protocol?: string): object => ({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, hostIP, protocol }] }] });

test('NodePorts filter', () => {
  const cases = [
    { name: 'free port', bound: withPort(8080), pod: withPort(8081), fits: true },
    { name: 'same port, all addresses', bound: withPort(8080), pod: withPort(8080), fits: false },
    { name: 'same port, different protocol', bound: withPort(53, undefined, 'UDP'), pod: withPort(53, undefined, 'TCP'), fits: true },
    { name: 'different specific IPs', bound: withPort(80, '10.0.0.1'), pod: withPort(80, '10.0.0.2'), fits: true },
    { name: 'specific IP vs 0.0.0.0', bound: withPort(80, '10.0.0.1'), pod: withPort(80), fits: false },
  ];
  for (const c of cases) {
    const w = world({ n: {} }, [['b', 'n', c.bound]]);
    const st = createNodePorts().filter(new CycleState(), w.pod('p', c.pod), w.node('n'));
    assert.equal(st === undefined, c.fits, `${c.name}: got ${JSON.stringify(st)}, want fits=${c.fits}`);
  }
  const w = world({ n: {} });
  assert.equal(createNodePorts().preFilter(new CycleState(), w.pod('p'))?.code, 'Skip', 'pods without host ports skip the filter');
});
