import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuQuantity, goDuration, memoryQuantity } from './quantities';

test('cpuQuantity prints nanocores in canonical DecimalSI form', () => {
  const cases = [
    { name: 'zero', in: 0, want: '0' },
    { name: 'odd nanocores', in: 137600512, want: '137600512n' },
    { name: 'whole micro', in: 1_500_000, want: '1500u' },
    { name: 'whole milli', in: 250_000_000, want: '250m' },
    { name: 'one core', in: 1_000_000_000, want: '1' },
    { name: 'fraction rounded', in: 12.6, want: '13n' },
    { name: 'negative clamps to zero', in: -5, want: '0' },
  ];
  for (const c of cases) assert.equal(cpuQuantity(c.in), c.want, `${c.name}: got ${cpuQuantity(c.in)}, want ${c.want}`);
});

test('memoryQuantity prints bytes in canonical BinarySI form', () => {
  const cases = [
    { name: 'pages', in: 4096 * 3, want: '12Ki' },
    { name: 'mebibytes', in: 5 * 1024 * 1024, want: '5Mi' },
    { name: 'not a multiple of 1024', in: 1025, want: '1025' },
    { name: 'small', in: 512, want: '512' },
  ];
  for (const c of cases) assert.equal(memoryQuantity(c.in), c.want, `${c.name}: got ${memoryQuantity(c.in)}, want ${c.want}`);
});

test('goDuration prints as Go time.Duration.String()', () => {
  const cases = [
    { name: 'zero', in: 0, want: '0s' },
    { name: 'whole seconds', in: 15_000, want: '15s' },
    { name: 'fractional seconds', in: 15_003, want: '15.003s' },
    { name: 'minutes', in: 90_500, want: '1m30.5s' },
    { name: 'hours', in: 3_600_000, want: '1h0m0s' },
    { name: 'milliseconds', in: 250, want: '250ms' },
    { name: 'microseconds', in: 0.0015, want: '1.5µs' },
  ];
  for (const c of cases) assert.equal(goDuration(c.in), c.want, `${c.name}: got ${goDuration(c.in)}, want ${c.want}`);
});
