// Kind badges and links to assets.

import { kindMeta } from '../kinds';
import { links } from '../router';

export function KindBadge({ kind }: { kind: string | null | undefined }) {
  const m = kindMeta(kind);
  return (
    <span class="kind-badge" style={{ '--kind': m.color }}>
      <span class="kind-dot" aria-hidden="true" />
      {m.label}
    </span>
  );
}

export function KindDot({ kind }: { kind: string | null | undefined }) {
  return <span class="kind-dot" style={{ '--kind': kindMeta(kind).color }} aria-hidden="true" />;
}

export function AssetLink({ asset, showKind }: { asset: { id: string; kind?: string | null; name?: string | null }; showKind?: boolean }) {
  const label = asset.name || asset.id;
  return (
    <a class="asset-link" href={links.asset(asset.id)} title={asset.id}>
      {showKind ? <KindBadge kind={asset.kind} /> : <KindDot kind={asset.kind} />}
      <span class="asset-name">{label}</span>
    </a>
  );
}
