// Connected tenants: each one's monitoring status and, for admins, the
// connect form (with "Test connection"), interval and credential changes,
// disable/enable and remove behind a confirmation.

import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { Empty, ErrorBox, Loading } from '../components/state';
import { ago, formatNumber, formatTime } from '../format';
import { useAsync } from '../hooks';
import { links } from '../router';
import {
  connectTenant, fetchConnected, fetchRemovals, formatInterval, parseInterval, READ_SCOPES, removeTenant, setEnabled,
  testConnection, updateTenant, type ConnectedTenant, type ConnectionTest, type TenantRemoval,
} from './api';
import { activityLink } from './activity';

function StatusPill({ t }: { t: ConnectedTenant }) {
  if (t.syncing) return <span class="pill pill-running" data-testid="connected-status">syncing</span>;
  if (!t.enabled) return <span class="pill pill-disabled" data-testid="connected-status">disabled</span>;
  const s = t.lastStatus ?? 'waiting for its first sync';
  return <span class={`pill pill-${s.replace(/\s+/g, '-')}`} data-testid="connected-status">{s}</span>;
}

function ScopeResult({ test }: { test: ConnectionTest }) {
  if (!test.tokenOk) {
    return (
      <div class="state state-error compact" role="alert" data-testid="test-result" data-ok="false">
        <strong>No token: the tenant refused the credentials or could not be reached.</strong>
        <div class="state-detail">{test.error}</div>
      </div>
    );
  }
  const missing = test.scopes.filter((s) => !s.ok);
  return (
    <div class={test.ok ? 'note ok-note' : 'note warn'} role="status" data-testid="test-result" data-ok={String(test.ok)}>
      <p>
        <b>Token ok.</b> {test.ok ? 'Every read scope is granted.' : `${missing.length} resource${missing.length === 1 ? '' : 's'} would not be collected:`}
      </p>
      {missing.length > 0 && (
        <table class="table compact" data-testid="missing-scopes">
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Why</th>
              <th scope="col">The graph would lack</th>
            </tr>
          </thead>
          <tbody>
            {missing.map((s) => (
              <tr key={s.resource}>
                <td>
                  <code>{s.scope}</code>
                </td>
                <td>{s.reason}</td>
                <td>{s.costs.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ConnectForm({ onConnected }: { onConnected: (t: ConnectedTenant) => void }) {
  const [f, setF] = useState({ domain: '', clientId: '', clientSecret: '', audience: '', name: '', interval: '15m', allowMissing: false });
  const [busy, setBusy] = useState<'' | 'test' | 'connect'>('');
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const set = (k: keyof typeof f) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setF({ ...f, [k]: el.type === 'checkbox' ? el.checked : el.value });
    if (k !== 'name' && k !== 'interval' && k !== 'allowMissing') setTest(null);
  };
  const creds = () => ({ domain: f.domain.trim(), clientId: f.clientId.trim(), clientSecret: f.clientSecret, audience: f.audience.trim() || null });
  const interval = parseInterval(f.interval);
  const complete = f.domain.trim() && f.clientId.trim() && f.clientSecret;
  const run = async (what: 'test' | 'connect') => {
    setBusy(what);
    setErr(null);
    try {
      if (what === 'test') setTest(await testConnection(creds()));
      else {
        const t = await connectTenant({ ...creds(), name: f.name.trim(), intervalSeconds: interval, allowMissingScopes: f.allowMissing });
        setF({ domain: '', clientId: '', clientSecret: '', audience: '', name: '', interval: '15m', allowMissing: false });
        setTest(null);
        onConnected(t);
      }
    } catch (e) {
      setErr(e);
    } finally {
      setBusy('');
    }
  };
  return (
    <form
      class="block connect-form"
      data-testid="connect-form"
      autocomplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        run('connect');
      }}
    >
      <h2>Connect a tenant</h2>
      <ol class="steps muted small">
        <li>In the Auth0 dashboard, create a <b>Machine to Machine</b> application.</li>
        <li>
          Authorise it for the <b>Auth0 Management API</b> with these read scopes (only reads: authgraph never writes to a tenant):
          <div class="scope-list" data-testid="scope-list">
            {READ_SCOPES.map((s) => (
              <code key={s}>{s}</code>
            ))}
          </div>
          <span>Optional: <code>read:logs</code> names who made each change (and lets each interval read only what changed).</span>
        </li>
        <li>Copy its Domain, Client ID and Client Secret here. The secret is stored encrypted and never shown again.</li>
      </ol>
      <div class="form-grid">
        <label class="field">
          <span>Domain</span>
          <input required placeholder="https://TENANT.eu.auth0.com" value={f.domain} onInput={set('domain')} data-testid="connect-domain" />
        </label>
        <label class="field">
          <span>Client ID</span>
          <input required value={f.clientId} onInput={set('clientId')} data-testid="connect-client-id" />
        </label>
        <label class="field">
          <span>Client Secret</span>
          <input required type="password" autocomplete="new-password" value={f.clientSecret} onInput={set('clientSecret')} data-testid="connect-client-secret" />
        </label>
        <label class="field">
          <span>
            Audience <span class="muted">(optional)</span>
          </span>
          <input placeholder="https://TENANT.eu.auth0.com/api/v2/" value={f.audience} onInput={set('audience')} />
        </label>
        <label class="field">
          <span>
            Name in authgraph <span class="muted">(default: the domain's host)</span>
          </span>
          <input value={f.name} onInput={set('name')} data-testid="connect-name" />
        </label>
        <label class="field">
          <span>Sync every</span>
          <input value={f.interval} onInput={set('interval')} data-testid="connect-interval" aria-invalid={!(interval >= 10)} />
          {!(interval >= 10) && <span class="error-text small">15m, 1h, 90s… at least 10 s</span>}
        </label>
      </div>
      <label class="field inline">
        <input type="checkbox" checked={f.allowMissing} onChange={set('allowMissing')} />
        <span>Connect even if read scopes are missing (those resources are skipped)</span>
      </label>
      <div class="btn-group">
        <button type="button" class="btn" disabled={!complete || busy !== ''} onClick={() => run('test')} data-testid="test-connection">
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" class="btn btn-primary" disabled={!complete || busy !== '' || !(interval >= 10)} data-testid="connect-submit">
          {busy === 'connect' ? 'Checking and connecting…' : 'Connect'}
        </button>
      </div>
      {test && <ScopeResult test={test} />}
      {err !== null && <ErrorBox error={err} compact />}
    </form>
  );
}

function Confirm({ t, onCancel, onConfirm }: { t: ConnectedTenant; onCancel: () => void; onConfirm: () => void }) {
  const [typed, setTyped] = useState('');
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={`rm-${t.name}`} data-testid="remove-confirm">
      <p id={`rm-${t.name}`}>
        <b>Remove {t.name}?</b> This disconnects it and deletes all its assets, findings and change history from the graph. Auth0 is not touched. Type
        the tenant's name to confirm.
      </p>
      <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} aria-label="Tenant name" data-testid="remove-confirm-name" />
      <div class="btn-group">
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" disabled={typed !== t.name} onClick={onConfirm} data-testid="remove-confirm-go">
          Remove
        </button>
      </div>
    </div>
  );
}

function Settings({ t, onSaved }: { t: ConnectedTenant; onSaved: () => void }) {
  const [f, setF] = useState({ interval: formatInterval(t.intervalSeconds).replace(/ (h|min|s)/g, (_, u) => (u === 'min' ? 'm' : u)).replace(/\s/g, ''), domain: '', clientId: '', clientSecret: '' });
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const [ok, setOk] = useState(false);
  const interval = parseInterval(f.interval);
  const save = async () => {
    setBusy(true);
    setErr(null);
    setOk(false);
    const input: Record<string, unknown> = {};
    if (interval !== t.intervalSeconds) input.intervalSeconds = interval;
    if (f.domain.trim()) input.domain = f.domain.trim();
    if (f.clientId.trim()) input.clientId = f.clientId.trim();
    if (f.clientSecret) input.clientSecret = f.clientSecret;
    try {
      await updateTenant(t.name, input);
      setF({ ...f, domain: '', clientId: '', clientSecret: '' });
      setOk(true);
      onSaved();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="settings">
      <summary>Change interval or credentials</summary>
      <div class="form-grid">
        <label class="field">
          <span>Sync every</span>
          <input value={f.interval} onInput={(e) => setF({ ...f, interval: (e.target as HTMLInputElement).value })} data-testid="settings-interval" />
        </label>
        <label class="field">
          <span>New domain</span>
          <input placeholder={t.domain} value={f.domain} onInput={(e) => setF({ ...f, domain: (e.target as HTMLInputElement).value })} />
        </label>
        <label class="field">
          <span>New client ID</span>
          <input placeholder={t.clientId} value={f.clientId} onInput={(e) => setF({ ...f, clientId: (e.target as HTMLInputElement).value })} />
        </label>
        <label class="field">
          <span>New client secret</span>
          <input type="password" autocomplete="new-password" value={f.clientSecret} onInput={(e) => setF({ ...f, clientSecret: (e.target as HTMLInputElement).value })} />
        </label>
      </div>
      <p class="muted small">New credentials are tested before they are saved (with the stored secret when no new one is given).</p>
      <button type="button" class="btn btn-small" disabled={busy || !(interval >= 10)} onClick={save} data-testid="settings-save">
        {busy ? 'Saving…' : 'Save'}
      </button>
      {ok && <span class="small"> Saved.</span>}
      {err !== null && <ErrorBox error={err} compact />}
    </details>
  );
}

function TenantStatus({ t, admin, removal, reload, onRemove }: {
  t: ConnectedTenant; admin: boolean; removal?: TenantRemoval; reload: () => void; onRemove: () => void;
}) {
  const [confirm, setConfirm] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const s = t.lastSync;
  const toggle = async () => {
    setBusy(true);
    setErr(null);
    try {
      await setEnabled(t.name, !t.enabled);
      reload();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card connected-card" data-testid="connected-tenant" data-tenant={t.name} data-status={t.syncing ? 'syncing' : t.lastStatus ?? ''} data-enabled={String(t.enabled)}>
      <header class="card-head">
        <h3>{t.name}</h3>
        <StatusPill t={t} />
      </header>
      <p class="muted small">
        {t.domain}
        {t.clientId && <> · client <code>{t.clientId}</code></>}
      </p>
      <dl class="facts">
        <div>
          <dt>Last sync</dt>
          <dd title={formatTime(t.lastSyncAt)} data-testid="last-sync" data-mode={s?.mode ?? ''}>
            {t.lastSyncAt ? ago(t.lastSyncAt) : 'never'}
            {s && s.mode !== 'full' && <span class="muted small"> ({s.mode})</span>}
          </dd>
        </div>
        <div>
          <dt>Took</dt>
          <dd>{t.lastDurationMs !== null ? `${(t.lastDurationMs / 1000).toFixed(1)} s` : '—'}</dd>
        </div>
        <div>
          <dt>API calls</dt>
          <dd>
            {s ? formatNumber(s.apiCalls) : '—'}
            {s && s.seen429 > 0 && `, ${s.seen429}× 429`}
          </dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd title={formatTime(t.nextSyncAt)}>{!t.enabled ? 'disabled' : t.nextSyncAt ? untilText(t.nextSyncAt) : '—'}</dd>
        </div>
        <div>
          <dt>Every</dt>
          <dd>{formatInterval(t.intervalSeconds)}</dd>
        </div>
        <div>
          <dt>Open findings</dt>
          <dd>{formatNumber(t.findingsOpen)}</dd>
        </div>
      </dl>
      {t.failures > 0 && <p class="warn small">{t.failures} failed sync{t.failures === 1 ? '' : 's'} in a row; retrying with backoff.</p>}
      {t.lastError && <p class="error-text small" data-testid="last-error">{t.lastError}</p>}
      {t.allowMissingScopes && <p class="muted small">Resources whose read scope is missing are skipped.</p>}
      <div class="btn-group">
        <a class="btn btn-small" href={activityLink(t.name)} data-testid="activity-link">
          Activity
        </a>
        {t.lastSyncAt && (
          <a class="btn btn-small" href={links.directory(undefined, { tenant: t.name })}>
            Assets
          </a>
        )}
        {admin && (
          <>
            <button type="button" class="btn btn-small" disabled={busy} onClick={toggle} data-testid="toggle-enabled">
              {t.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" class="btn btn-small btn-danger-ghost" onClick={() => setConfirm(true)} data-testid="remove-tenant" disabled={removal?.state === 'running'}>
              Remove…
            </button>
          </>
        )}
      </div>
      {removal && <RemovalLine r={removal} />}
      {confirm && (
        <Confirm
          t={t}
          onCancel={() => setConfirm(false)}
          onConfirm={async () => {
            setConfirm(false);
            setErr(null);
            try {
              await removeTenant(t.name);
              onRemove();
            } catch (e) {
              setErr(e);
            }
          }}
        />
      )}
      {admin && <Settings t={t} onSaved={reload} />}
      {err !== null && <ErrorBox error={err} compact />}
    </article>
  );
}

function untilText(at: string): string {
  const s = Math.round((new Date(at).getTime() - Date.now()) / 1000);
  if (s <= 0) return 'due now';
  if (s < 90) return `in ${s} s`;
  if (s < 5400) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} h`;
}

function RemovalLine({ r }: { r: TenantRemoval }) {
  return (
    <p class={r.state === 'failed' ? 'error-text small' : 'small'} data-testid="removal" data-state={r.state}>
      {r.state === 'running' && <span class="spinner small" aria-hidden="true" />} Removal {r.state}: {formatNumber(r.deleted)} nodes deleted
      {r.current && ` (now ${r.current})`}
      {r.error && `: ${r.error}`}
    </p>
  );
}

export function TenantsPage({ admin }: { admin: boolean }) {
  const list = useAsync((s) => fetchConnected(admin, s), [admin]);
  const removals = useAsync((s) => (admin ? fetchRemovals(s) : Promise.resolve([] as TenantRemoval[])), [admin]);
  const [flash, setFlash] = useState('');
  const running = (removals.data ?? []).some((r) => r.state === 'running');
  const busy = (list.data ?? []).some((t) => t.syncing || (t.enabled && !t.lastSyncAt));
  // Poll while something moves (a sync, a removal), slowly otherwise.
  useEffect(() => {
    const t = setTimeout(() => {
      list.reload();
      if (admin) removals.reload();
    }, running || busy ? 2000 : 10_000);
    return () => clearTimeout(t);
  }, [list.data, removals.data, running, busy]);
  const byName = new Map((removals.data ?? []).map((r) => [r.tenant, r]));
  const gone = (removals.data ?? []).filter((r) => !(list.data ?? []).some((t) => t.name === r.tenant));
  return (
    <section class="page tenants" data-testid="tenants-page">
      <header class="detail-head">
        <div>
          <h1>Connected tenants</h1>
          <p class="muted">
            <code>authgraph serve</code> syncs each one every interval, records what changed and runs the rules.
          </p>
        </div>
      </header>
      {flash && (
        <p class="note" role="status" data-testid="flash">
          {flash}
        </p>
      )}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {!list.data && list.status === 'loading' && <Loading label="Loading connected tenants…" />}
      {list.data && list.data.length === 0 && (
        <Empty title="No tenant connected yet">{admin ? 'Connect one below.' : 'An administrator connects tenants here or with `authgraph tenants add`.'}</Empty>
      )}
      {list.data && list.data.length > 0 && (
        <div class="cards">
          {list.data.map((t) => (
            <TenantStatus
              key={t.name}
              t={t}
              admin={admin}
              removal={byName.get(t.name)}
              reload={list.reload}
              onRemove={() => {
                setFlash(`Removing ${t.name}…`);
                removals.reload();
                list.reload();
              }}
            />
          ))}
        </div>
      )}
      {gone.length > 0 && (
        <div class="block">
          {gone.map((r) => (
            <div key={r.tenant} data-testid="removed-tenant" data-tenant={r.tenant}>
              <b>{r.tenant}</b> <RemovalLine r={r} />
            </div>
          ))}
        </div>
      )}
      {admin ? (
        <ConnectForm
          onConnected={(t) => {
            setFlash(`Connected ${t.name}: its first sync is due now.`);
            list.reload();
          }}
        />
      ) : (
        <p class="muted">Only administrators connect, change or remove tenants.</p>
      )}
      {removals.status === 'error' && <p class="error-text small">{describeError(removals.error).detail}</p>}
    </section>
  );
}
