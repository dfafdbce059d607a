// Patch application for the fake API server: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
// Strategic merge patch is approximated by merge patch (lists are replaced, not merged by key).

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObj(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

export class PatchError extends Error {}

/** Applies an RFC 6902 patch to a deep copy; throws PatchError on a failed test or bad path. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array');
  let root: unknown = structuredClone(doc);
  for (const raw of ops) {
    const op = raw as { op?: string; path?: string; value?: unknown; from?: string };
    const parts = (op.path ?? '').split('/').slice(1).map(unescape);
    const get = (p: string[]): unknown => p.reduce<unknown>((c, s) => (c === null || typeof c !== 'object' ? undefined : (c as Record<string, unknown>)[s]), root);
    if (parts.length === 0) {
      if (op.op === 'test') {
        if (JSON.stringify(root) !== JSON.stringify(op.value)) throw new PatchError('test operation failed');
        continue;
      }
      root = op.op === 'remove' ? null : structuredClone(op.value);
      continue;
    }
    const parent = get(parts.slice(0, -1));
    const last = parts[parts.length - 1] as string;
    if (parent === null || typeof parent !== 'object') throw new PatchError(`path ${op.path} does not exist`);
    const arr = Array.isArray(parent) ? (parent as unknown[]) : undefined;
    const rec = parent as Record<string, unknown>;
    const idx = arr ? (last === '-' ? arr.length : Number(last)) : -1;
    switch (op.op) {
      case 'add':
        if (arr) arr.splice(idx, 0, structuredClone(op.value));
        else rec[last] = structuredClone(op.value);
        break;
      case 'replace':
        if (!(last in rec)) throw new PatchError(`path ${op.path} does not exist`);
        if (arr) arr[idx] = structuredClone(op.value);
        else rec[last] = structuredClone(op.value);
        break;
      case 'remove':
        if (!(last in rec)) throw new PatchError(`path ${op.path} does not exist`);
        if (arr) arr.splice(idx, 1);
        else delete rec[last];
        break;
      case 'test':
        if (JSON.stringify(rec[last]) !== JSON.stringify(op.value)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unsupported json patch op ${String(op.op)}`);
    }
  }
  return root;
}
