// The GraphQL transport: one POST /graphql per call, errors turned into
// ApiError with the server's extensions.code, and user-facing wording. A 401
// sends the app to the sign-in page.

import { signalSignedOut } from './auth';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: GqlError[];
}

/** An error from the API, the network or the browser, with a code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status = 0) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export const endpoint = '/graphql';

/** Runs one GraphQL operation; throws ApiError on any error in the answer. */
export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (e) {
    if (isAbort(e)) throw new ApiError('request cancelled', 'CANCELLED');
    throw new ApiError('The authgraph server does not answer. Is `authgraph serve` running?', 'NETWORK');
  }
  if (res.status === 401) {
    signalSignedOut();
    throw new ApiError('Sign in first.', 'UNAUTHENTICATED', 401);
  }
  let body: GqlResponse<T>;
  try {
    body = (await res.json()) as GqlResponse<T>;
  } catch (e) {
    if (isAbort(e)) throw new ApiError('request cancelled', 'CANCELLED');
    throw new ApiError(`The server answered HTTP ${res.status} without a GraphQL response.`, 'HTTP', res.status);
  }
  const first = body.errors?.[0];
  if (first) {
    throw new ApiError(first.message, first.extensions?.code ?? 'ERROR', res.status);
  }
  if (!res.ok || body.data == null) {
    throw new ApiError(`The server answered HTTP ${res.status}.`, 'HTTP', res.status);
  }
  return body.data;
}

export function isAbort(e: unknown): boolean {
  return (
    (e instanceof DOMException && e.name === 'AbortError') ||
    (e instanceof ApiError && e.code === 'CANCELLED')
  );
}

/** A heading and a sentence for showing an error to a person. */
export function describeError(e: unknown): { title: string; detail: string; code: string } {
  if (!(e instanceof ApiError)) {
    const msg = e instanceof Error ? e.message : String(e);
    return { title: 'Something went wrong', detail: msg, code: 'CLIENT' };
  }
  const detail = e.message;
  switch (e.code) {
    case 'FORBIDDEN':
      return { title: 'Refused', detail, code: e.code };
    case 'UNAUTHENTICATED':
      return { title: 'Signed out', detail, code: e.code };
    case 'INVALID':
      return { title: 'Invalid request', detail, code: e.code };
    case 'NOT_FOUND':
      return { title: 'Not found', detail, code: e.code };
    case 'UNAVAILABLE':
      return { title: 'The graph database is unavailable', detail, code: e.code };
    case 'INTERNAL':
      return { title: 'Server error', detail: 'The server hit an internal error; its log has the details.', code: e.code };
    case 'NETWORK':
      return { title: 'Cannot reach the server', detail, code: e.code };
    case 'CANCELLED':
      return { title: 'Cancelled', detail, code: e.code };
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'GRAPHQL_PARSE_FAILED':
      return {
        title: 'The app and the server disagree',
        detail: `${detail} (is the web app older or newer than the server?)`,
        code: e.code,
      };
    case 'COMPLEXITY_LIMIT_EXCEEDED':
    case 'DEPTH_LIMIT_EXCEEDED':
      return { title: 'Request too large', detail, code: e.code };
    default:
      return { title: 'Request failed', detail, code: e.code };
  }
}
