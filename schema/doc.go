package schema

import (
	"fmt"
	"strings"
)

// Markdown renders the data model as the reference page docs/data-model.md,
// so the docs can't drift from the declarations (a test compares them).
func Markdown() string {
	var b strings.Builder
	b.WriteString("# authgraph data model\n\n")
	b.WriteString("Generated from package `schema` by `go generate ./...`. ")
	b.WriteString("Labels and relation types follow the graph-model contract; property names are authgraph's.\n\n")
	b.WriteString("Every asset node has its kind's label plus `Asset`, is linked from its tenant by ")
	b.WriteString("`(:Auth0Tenant)-[:RESOURCE]->(asset)`, and carries these common properties:\n\n")
	writeProps(&b, Common)
	b.WriteString("\nTimes from Auth0 are Neo4j `DATETIME` values in UTC; `firstseen` and `lastupdated` are epoch milliseconds ")
	b.WriteString("(the sync tag), so stale cleanup and freshness checks are integer comparisons.\n\n")
	b.WriteString("Only the properties below are ever written (an allowlist checked by the store): client secrets, signing and ")
	b.WriteString("encryption keys, connection option secrets, log stream sinks, identity tokens and action code never reach the graph.\n\n")
	b.WriteString("In the tables, *searched* properties are in the full-text index `asset_search` (over every kind but the ")
	b.WriteString("link nodes noted below), and *indexed* ones have a range index on (property, id), which lists seek by.\n\n")
	b.WriteString("## Kinds\n\n")
	for _, k := range Kinds {
		fmt.Fprintf(&b, "### %s (`:%s`)\n\n%s\n\n- key: `<tenant>/%s/<native id>`; native id: %s\n", k.Name, k.Label, k.Doc, k.Slug, k.NativeID)
		if k.Unsearched {
			b.WriteString("- not in the full-text search (found through the assets it links)\n")
		}
		out, in := RelationsOf(k)
		for _, r := range out {
			fmt.Fprintf(&b, "- `(:%s)-[:%s]->(:%s)`\n", r.From.Label, r.Type, r.To.Label)
		}
		for _, r := range in {
			fmt.Fprintf(&b, "- `(:%s)<-[:%s]-(:%s)`\n", r.To.Label, r.Type, r.From.Label)
		}
		b.WriteString("\n")
		if len(k.Props) > 0 {
			writeProps(&b, k.Props)
			b.WriteString("\n")
		}
	}
	b.WriteString("## Relations\n\n| relation | notes | properties |\n|---|---|---|\n")
	for _, r := range Relations {
		var ps []string
		for _, p := range r.Props {
			ps = append(ps, fmt.Sprintf("`%s` (%s)", p.Name, p.Type))
		}
		ps = append(ps, "`firstseen`, `lastupdated`")
		fmt.Fprintf(&b, "| `(:%s)-[:%s]->(:%s)` | %s | %s |\n", r.From.Label, r.Type, r.To.Label, r.Doc, strings.Join(ps, ", "))
	}
	b.WriteString("\n## Produced by authgraph\n\n")
	fmt.Fprintf(&b, "- `(:%s)-[:%s]->(:%s {id, tenant, tag, started, finished, status, counts, skipped, api_calls, retries, seen_429, error, mode, reason, touched, log_events, drift, applies})`: ", Tenant.Label, SyncedRel, SyncLabel)
	b.WriteString("one per sync run; `status` is running, ok, partial or failed; `mode` is full, incremental, reconcile or stream (pushed events: one rolling record per tenant and hour); `counts` and `skipped` are JSON strings.\n")
	return b.String()
}

func writeProps(b *strings.Builder, ps []Property) {
	b.WriteString("| property | type | notes |\n|---|---|---|\n")
	for _, p := range ps {
		notes := p.Doc
		if p.Search {
			notes = strings.TrimSpace(notes + " (searched)")
		}
		if p.Index {
			notes = strings.TrimSpace(notes + " (indexed)")
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", p.Name, p.Type, notes)
	}
}
