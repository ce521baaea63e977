// A logged-in client for Fastify's inject(): keeps the session cookie and sends the CSRF token.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface Client {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, opts?: { form?: boolean; csrf?: string | null }): Promise<LightMyRequestResponse>;
  csrf: string;
}

export async function login(app: FastifyInstance, username: string, password: string): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'rampart_session')!;
  const csrf = (res.json() as { csrf: string }).csrf;
  const headers = { cookie: `rampart_session=${cookie.value}` };
  return {
    csrf,
    get: (url) => app.inject({ method: 'GET', url, headers }),
    post: (url, body = {}, opts = {}) => {
      const token = opts.csrf === undefined ? csrf : opts.csrf;
      if (opts.form) {
        const form = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...(body as Record<string, string | string[]>), ...(token ? { _csrf: token } : {}) })) for (const x of [v].flat()) form.append(k, x);
        return app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
      }
      return app.inject({ method: 'POST', url, headers: { ...headers, ...(token ? { 'x-csrf-token': token } : {}) }, payload: body as object });
    },
  };
}
