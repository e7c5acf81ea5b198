// A walk through the graph (user → role → permission), as links.

import { Fragment } from 'preact';
import type { AccessPath, AssetRef } from '../api/types';
import { AssetLink } from './asset';

const VIA_LABEL: Record<string, string> = {
  ROLE: 'role',
  ORG_ROLE: 'organization role',
  DIRECT: 'direct',
  CLIENT_GRANT: 'client grant',
  CAN_ACCESS: 'API access',
  CONSENT: 'consent',
};

export function ViaBadge({ via }: { via: string }) {
  return <span class={`via via-${via.toLowerCase()}`}>{VIA_LABEL[via] ?? via}</span>;
}

export function PathChain({ nodes, edges }: { nodes: AssetRef[]; edges: { type: string; source: string; target: string }[] }) {
  return (
    <span class="path-chain">
      {nodes.map((n, i) => {
        const e = edges[i];
        const forward = e ? e.source === n.id : true;
        return (
          <Fragment key={n.id + i}>
            <AssetLink asset={n} />
            {e && (
              <span class="path-edge" aria-label={`${forward ? '' : 'reverse '}${e.type}`}>
                {forward ? `—${e.type}→` : `←${e.type}—`}
              </span>
            )}
          </Fragment>
        );
      })}
    </span>
  );
}

export function AccessPaths({ paths }: { paths: AccessPath[] }) {
  return (
    <ul class="paths">
      {paths.map((p, i) => (
        <li key={i}>
          <ViaBadge via={p.via} /> <PathChain nodes={p.nodes} edges={p.edges} />
        </li>
      ))}
    </ul>
  );
}
