// Decoding an application/apply-patch+yaml body. kubectl and client-node send JSON (which is YAML), other
// clients send YAML; JSON is tried first because it is by far the common case and much faster to parse.
import { parse } from 'yaml';
import { badRequest } from './errors';
import { isObj, type Obj } from './json-value';

/** The applied configuration in an apply-patch body. Throws PatchError 400 (as upstream) when it is not an object. */
export function parseApplyBody(body: string): Obj {
  let v: unknown;
  const t = body.trimStart();
  let parsed = false;
  if (t.startsWith('{')) {
    try {
      v = JSON.parse(t);
      parsed = true;
    } catch {
      parsed = false;
    }
  }
  if (!parsed) {
    try {
      v = parse(body, { prettyErrors: false });
    } catch (e) {
      throw badRequest(`error decoding YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!isObj(v)) throw badRequest('error decoding YAML: the body is not an object');
  return v;
}
