// Request bodies: size limit (3 MiB, 413 beyond), then decoding by Content-Type: JSON, YAML, Kubernetes
// protobuf, and the four PATCH types. Malformed input is a 400 with the decoder's message.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobufObject } from '../../api/protobuf';
import { errors } from '../errors';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const ct = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  switch (ct) {
    case '':
    case 'application/json':
    case '*/*':
      return 'json';
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return 'yaml';
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/merge-patch+json':
      return 'merge-patch';
    case 'application/strategic-merge-patch+json':
      return 'strategic-merge-patch';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply-patch';
    default:
      return undefined;
  }
}

function jsonError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^Unexpected token/, 'invalid character').replace(/^JSON\.parse: /, '');
}

/** Decodes a body to a JSON value; throws 400 on malformed input. */
export function decodeBody(buf: Buffer, format: BodyFormat): unknown {
  if (buf.length === 0) throw errors.badRequest('the request body is empty; an object is required');
  switch (format) {
    case 'protobuf': {
      try {
        return decodeProtobufObject(buf).object;
      } catch (e) {
        throw errors.badRequest(`the protobuf body could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    case 'yaml':
    case 'apply-patch': {
      const text = buf.toString('utf8');
      try {
        return JSON.parse(text) as unknown;
      } catch {
        if (format === 'apply-patch' || format === 'yaml') {
          try {
            const docs = parseYaml(text, { strict: true, uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' }) as unknown;
            return docs;
          } catch (e) {
            throw errors.badRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
          }
        }
      }
      return undefined;
    }
    default: {
      try {
        return JSON.parse(buf.toString('utf8')) as unknown;
      } catch (e) {
        throw errors.badRequest(`error decoding request body: ${jsonError(e)}`);
      }
    }
  }
}
