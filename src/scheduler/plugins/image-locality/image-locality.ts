// ImageLocality: favour nodes that already hold the pod's images, weighted by how widely each image is
// spread (so one node with every image does not attract every pod).
import type { Handle, PreScorePlugin, ScorePlugin } from '../../framework';
import { MAX_NODE_SCORE, skip } from '../../types';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** "nginx" → "nginx:latest"; names with a tag or digest stay. */
export function normalizedImageName(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@') ? name : `${name}:latest`;
}

export function imageScore(sum: number, containers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * containers;
  const s = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.floor((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export function createImageLocality(_args: unknown, h: Handle): PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    // Nothing to score when no node holds any of the pod's images (the common case at scale).
    preScore: (_s, pod) => (pod.images.some((i) => h.cache.imageNodes.has(i) || h.cache.imageNodes.has(normalizedImageName(i))) ? undefined : skip),
    score(_s, pod, node) {
      if (pod.images.length === 0) return 0;
      const total = h.cache.nodeList().length || 1;
      let sum = 0;
      for (const img of pod.images) {
        const n = normalizedImageName(img);
        const size = node.images.get(n) ?? node.images.get(img);
        if (size === undefined) continue;
        const spread = (h.cache.imageNodes.get(node.images.has(n) ? n : img) ?? 0) / total;
        sum += size * spread;
      }
      return imageScore(sum, pod.images.length);
    },
  };
}
