// Who is signed in, signing in with an API token, signing out. The server
// keeps the session (an HttpOnly cookie); the app only asks /auth/me.

export interface Me {
  subject: string;
  name: string;
  role: string;
  /** token, session, oidc or none (no sign-in: a loopback demo). */
  via: string;
  auth: string;
  expires?: string;
}

export interface Providers {
  auth: string;
  oidc: boolean;
  token: boolean;
}

/** Fired when the server answers 401: the app shows the sign-in page. */
export const SIGNED_OUT = 'authgraph:signed-out';

export function signalSignedOut(): void {
  window.dispatchEvent(new Event(SIGNED_OUT));
}

/** The caller, or null when not signed in. */
export async function fetchMe(): Promise<Me | null> {
  const res = await fetch('/auth/me', { headers: { accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`The server answered HTTP ${res.status} to /auth/me.`);
  return (await res.json()) as Me;
}

export async function fetchProviders(): Promise<Providers> {
  const res = await fetch('/auth/providers', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The server answered HTTP ${res.status} to /auth/providers.`);
  return (await res.json()) as Providers;
}

/** Opens a session with an API token; throws with the server's reason. */
export async function signInWithToken(token: string): Promise<Me> {
  const res = await fetch('/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<Me> & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `The server answered HTTP ${res.status}.`);
  return body as Me;
}

export async function signOut(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST' });
}
