// Hash routing: #/<page>/<segments…>?<params>. Works behind any static
// server and in the Go binary's fallback without server-side rules.

import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Decoded path segments, e.g. ['asset', '<id>']. */
  segments: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = q >= 0 ? raw.slice(q + 1) : '';
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, params: new URLSearchParams(query) };
}

/** Builds "#/a/b?x=1" from segments (encoded) and params (empty ones left out). */
export function href(segments: string[], params?: Record<string, string | number | boolean | null | undefined>): string {
  let h = '#/' + segments.map((s) => encodeURIComponent(s)).join('/');
  if (params) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
    }
    const s = p.toString();
    if (s) h += '?' + s;
  }
  return h;
}

export const links = {
  overview: () => href([]),
  directory: (kind?: string, params?: Record<string, string | null | undefined>) =>
    href(kind ? ['assets', kind] : ['assets'], params),
  asset: (id: string) => href(['asset', id]),
  graph: (id?: string, params?: Record<string, string | null | undefined>) => href(['graph'], { id, ...params }),
  console: (query?: string) => href(['console'], { q: query }),
};

export function navigate(to: string, replace = false): void {
  if (replace) {
    history.replaceState(null, '', to);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = to.replace(/^#/, '');
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
