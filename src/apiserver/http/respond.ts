// Writing responses: JSON bodies (pre-encoded Buffers where possible), Status errors, and the Accept
// negotiation for server-side Tables and metadata-only responses.
import type { ServerResponse } from 'node:http';
import { ApiError, type Status } from '../errors';

export type OutputForm = 'object' | 'table' | 'metadata';

export interface Negotiated {
  form: OutputForm;
  /** Table includeObject parameter. */
  includeObject?: 'None' | 'Metadata' | 'Object';
}

/**
 * Reads the Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io` asks for a Table;
 * `as=PartialObjectMetadata(List)` for metadata only. The first acceptable entry wins, like upstream.
 */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { form: 'object' };
  for (const raw of accept.split(',')) {
    const parts = raw.split(';').map((p) => p.trim());
    const type = parts[0]!.toLowerCase();
    const params: Record<string, string> = {};
    for (const p of parts.slice(1)) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
    }
    if (params.as) {
      if (params.g !== 'meta.k8s.io' || (params.v !== 'v1' && params.v !== 'v1beta1')) continue;
      if (type !== 'application/json' && type !== '*/*' && type !== 'application/vnd.kubernetes.protobuf') continue;
      if (type === 'application/vnd.kubernetes.protobuf') continue; // we answer these in JSON form only
      if (params.as === 'Table') return { form: 'table' };
      if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') return { form: 'metadata' };
      continue;
    }
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/vnd.kubernetes.protobuf' || type === 'application/yaml') {
      return { form: 'object' };
    }
  }
  return { form: 'object' };
}

export function sendJson(res: ServerResponse, code: number, body: unknown | Buffer, headers?: Record<string, string>): void {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(buf.length), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(buf);
}

export function sendStatus(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, err.toStatus(), err.headers);
}

export function sendText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function statusOf(err: unknown): Status | undefined {
  return err instanceof ApiError ? err.toStatus() : undefined;
}

/** Concatenates pre-encoded items into a list body without re-encoding them. */
export function listBody(kind: string, apiVersion: string, meta: Record<string, unknown>, items: Buffer[]): Buffer {
  const head = Buffer.from(`{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(meta)},"items":[`);
  const parts: Buffer[] = [head];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(items[i]!);
  }
  parts.push(TAIL);
  return Buffer.concat(parts);
}
const COMMA = Buffer.from(',');
const TAIL = Buffer.from(']}');
