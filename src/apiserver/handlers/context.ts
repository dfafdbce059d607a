// What every handler gets: the request, the response, the parsed query, the caller, and a place to collect
// warnings (sent as `Warning: 299 - "..."` headers, as upstream does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/authn';
import type { Negotiated } from '../http/respond';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  user: UserInfo;
  negotiated: Negotiated;
  warnings: string[];
  now: () => number;
  /** The resource label for metrics (set by the handler once known). */
  metricResource?: string;
  metricVerb?: string;
}

export function warningHeaders(ctx: RequestContext): Record<string, string> | undefined {
  if (ctx.warnings.length === 0) return undefined;
  return { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

/** The field manager of a write: ?fieldManager=, else the User-Agent's program name (upstream's default). */
export function fieldManagerOf(ctx: RequestContext): string {
  const fm = ctx.query.get('fieldManager');
  if (fm) return fm;
  const ua = ctx.req.headers['user-agent'] ?? '';
  const prefix = ua.split('/')[0]?.trim();
  return prefix || 'unknown';
}
