import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createImageLocality, imageScore, normalizedImageName } from './image-locality';

const MB = 1024 * 1024;

test('ImageLocality', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest', 'adds :latest');
  assert.equal(normalizedImageName('reg:5000/app:1'), 'reg:5000/app:1', 'keeps a tag after a registry port');
  assert.equal(imageScore(10 * MB, 1), 0, 'below the minimum threshold scores 0');
  assert.equal(imageScore(2000 * MB, 1), 100, 'above the maximum scores 100');
  const big = { names: ['app:latest'], sizeBytes: 500 * MB };
  const w = world({ has: { images: [big] }, also: { images: [big] }, none: {} });
  const p = createImageLocality({}, w.handle);
  const pod = w.pod('p', { containers: [{ name: 'c', image: 'app' }] });
  const cases = [
    { node: 'has', want: imageScore(500 * MB * (2 / 3), 1) },
    { node: 'none', want: 0 },
  ];
  for (const c of cases) {
    const got = p.score(new CycleState(), pod, w.node(c.node));
    assert.equal(got, c.want, `${c.node}: got ${got}, want ${c.want}`);
  }
});
