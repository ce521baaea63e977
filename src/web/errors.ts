// Every error the HTTP API can answer, with its stable code and status, in one place. Clients
// match on `error.code`; the message is for people.
export const ERROR_CODES = {
  validation_failed: { status: 400, message: 'the request is not valid' },
  unauthenticated: { status: 401, message: 'log in first' },
  bad_credentials: { status: 401, message: 'wrong username or password' },
  forbidden: { status: 403, message: 'your role may not do this' },
  csrf_failed: { status: 403, message: 'missing or wrong CSRF token' },
  bad_link: { status: 403, message: 'this link is invalid or has expired' },
  not_found: { status: 404, message: 'no such object' },
  conflict: { status: 409, message: 'the object is not in a state that allows this' },
  throttled: { status: 429, message: 'too many failed logins; try again later' },
  unavailable: { status: 503, message: 'a required service is not available' },
  internal: { status: 500, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues?: string[],
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code].status;
  }
}

export function errorBody(err: ApiError): { error: { code: ErrorCode; message: string; issues?: string[] } } {
  return { error: { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) } };
}
