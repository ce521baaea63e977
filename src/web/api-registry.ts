// Declares JSON API routes once: zod schemas validate the input and the same schemas produce the
// OpenAPI document, so the documentation cannot drift from what the server accepts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { compact, parseOrThrow } from './filters.js';
import { requireRole, requireUser, type Access } from './auth.js';
import type { Principal } from './scope.js';

export interface ApiContext<Q, B, P> {
  query: Q;
  body: B;
  params: P;
  principal: Principal | null;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface ApiRoute<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  tag: string;
  access: Access;
  query?: Q;
  body?: B;
  params?: P;
  /** Response content type when not JSON (e.g. text/csv). */
  produces?: string;
  handler(ctx: ApiContext<z.infer<Q>, z.infer<B>, z.infer<P>>): Promise<unknown>;
}

type AnyRoute = ApiRoute<z.ZodType, z.ZodType, z.ZodType>;

export class ApiRegistry {
  readonly routes: AnyRoute[] = [];

  add<Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodObject<{}>, P extends z.ZodType = z.ZodObject<{}>>(app: FastifyInstance, r: ApiRoute<Q, B, P>): void {
    this.routes.push(r as unknown as AnyRoute);
    app.route({
      method: r.method,
      url: r.url,
      handler: async (req, reply) => {
        const principal = r.access === 'public' ? null : r.access === 'operator' ? requireRole(req, 'operator') : requireUser(req);
        const query = parseOrThrow(r.query ?? z.strictObject({}), compact(req.query));
        const body = r.method === 'POST' ? parseOrThrow(r.body ?? z.strictObject({}), req.body ?? {}) : {};
        const params = parseOrThrow(r.params ?? z.object({}), req.params ?? {});
        const out = await r.handler({ query, body, params, principal, req, reply } as never);
        return out;
      },
    });
  }

  openapi(extraPaths: Record<string, unknown> = {}): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
    for (const r of this.routes) {
      const url = r.url.replace(/:([a-z_]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, s] of [['query', r.query], ['path', r.params]] as const) {
        if (!s) continue;
        const js = schema(s) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, prop] of Object.entries(js.properties ?? {})) parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
      }
      paths[url] ??= {};
      paths[url]![r.method.toLowerCase()] = {
        summary: r.summary,
        tags: [r.tag],
        ...(r.access === 'public' ? { security: [] } : {}),
        ...(r.access === 'operator' ? { description: 'operators only' } : {}),
        parameters,
        ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body) } } } } : {}),
        responses: {
          200: { description: 'success', content: { [r.produces ?? 'application/json']: {} } },
          default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Rampart console API', version: '1', description: 'Session cookie from POST /api/login; state-changing requests need the X-CSRF-Token header returned by login.' },
      paths: { ...paths, ...extraPaths },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'rampart_session' } },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { enum: Object.keys(ERROR_CODES) }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'string' } } } } },
          },
        },
      },
      security: [{ session: [] }],
    };
  }
}
