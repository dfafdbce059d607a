// The pod-template-hash: FNV-32a over the pod template (here: its canonical JSON, since Go's
// DeepHashObject over Go structs has no TypeScript equivalent) plus the collisionCount as 8 bytes with the
// uint32 little-endian in front, as upstream's ComputeHash; the decimal Sum32 is then mapped through
// rand.SafeEncodeString's alphabet so the result never forms words.
import { canonicalJson } from '../common/equal';
import type { PodTemplateSpec } from '../common/types';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character c becomes SAFE[code(c) % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE[(ch.codePointAt(0) ?? 0) % SAFE.length];
  return out;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template ?? {}), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
