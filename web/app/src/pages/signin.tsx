// The sign-in page: an identity provider (when serve runs --auth oidc) or
// an API token (authgraph tokens create), which opens a cookie session.

import { useEffect, useState } from 'preact/hooks';
import { fetchProviders, signInWithToken, type Me, type Providers } from '../api/auth';

export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [providers, setProviders] = useState<Providers | null>(null);
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fetchProviders().then(setProviders, (e: unknown) => setError(String(e)));
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const me = await signInWithToken(token.trim());
      setToken('');
      onSignedIn(me);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin" data-testid="signin-page">
      <h1>Sign in to authgraph</h1>
      {providers?.oidc && (
        <p>
          <a class="button" href="/auth/login" data-testid="signin-oidc">
            Sign in with your identity provider
          </a>
        </p>
      )}
      <form onSubmit={submit} class="signin-token">
        <label for="signin-token">API token</label>
        <input
          id="signin-token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="agt_…"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          data-testid="signin-token"
          required
        />
        <button type="submit" disabled={busy || token.trim() === ''} data-testid="signin-submit">
          Sign in
        </button>
        <p class="hint">
          An administrator creates one with <code>authgraph tokens create --name you --role viewer</code>.
        </p>
      </form>
      {error && (
        <p role="alert" class="error" data-testid="signin-error">
          {error}
        </p>
      )}
    </main>
  );
}
