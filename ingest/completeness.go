package ingest

import (
	"sort"

	"github.com/authgraph/authgraph/internal/store"
)

// incompleteness turns the resources a run skipped or failed (resource →
// reason) into what the graph lacks: each resource's kinds and relations,
// from the resource table, so that readers (the overview, a user's
// effective permissions, a directory filter) can say what their answer
// does not include.
func incompleteness(notCollected map[string]string) []store.Incompleteness {
	out := make([]store.Incompleteness, 0, len(notCollected))
	for name, why := range notCollected {
		inc := store.Incompleteness{Resource: name, Reason: why}
		for _, res := range resources {
			if res.name != name {
				continue
			}
			for _, k := range res.kinds {
				inc.Kinds = append(inc.Kinds, k.Name)
			}
			for _, rel := range res.rels {
				inc.Relations = append(inc.Relations, rel.Name())
			}
		}
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}
