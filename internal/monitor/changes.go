package monitor

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// collector gathers what a sync's writers report (ingest.ChangeSink) and
// folds it into one Change per asset: a relation created or deleted becomes a
// field of the asset it starts from (a user's new HAS_ROLE is an update of
// the user), unless that asset was itself created or deleted in this sync
// (its relations are part of its creation).
type collector struct {
	mu    sync.Mutex
	nodes map[string]*nodeEntry
	rels  []relEntry
}

type nodeEntry struct {
	kind *schema.Kind
	ch   store.NodeChange
}

type relEntry struct {
	rel *schema.Relation
	ch  store.RelChange
}

func newCollector() *collector { return &collector{nodes: map[string]*nodeEntry{}} }

func (c *collector) Nodes(k *schema.Kind, changes []store.NodeChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		if e, ok := c.nodes[ch.Key]; ok {
			// Seen twice in one sync (written, then deleted is impossible;
			// a second batch of the same asset): merge the fields.
			e.ch.Fields = append(e.ch.Fields, ch.Fields...)
			continue
		}
		c.nodes[ch.Key] = &nodeEntry{kind: k, ch: ch}
	}
}

func (c *collector) Rels(r *schema.Relation, changes []store.RelChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		c.rels = append(c.rels, relEntry{rel: r, ch: ch})
	}
}

// changes returns the folded Change records of a sync, in a stable order.
func (c *collector) changes(tenant, syncID string, at time.Time) []store.Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, re := range c.rels {
		if e, ok := c.nodes[re.ch.From]; ok && e.ch.Op != store.OpUpdated {
			continue
		}
		e, ok := c.nodes[re.ch.From]
		if !ok {
			e = &nodeEntry{kind: re.rel.From, ch: store.NodeChange{Op: store.OpUpdated, Key: re.ch.From, NativeID: re.ch.FromID, Name: re.ch.FromName}}
			c.nodes[re.ch.From] = e
		}
		to := re.ch.ToName
		if to == "" {
			to = re.ch.ToID
		}
		switch re.ch.Op {
		case store.OpCreated:
			e.ch.Fields = append(e.ch.Fields, store.FieldChange{Field: re.rel.Type, New: to, Target: re.ch.To})
		case store.OpDeleted:
			e.ch.Fields = append(e.ch.Fields, store.FieldChange{Field: re.rel.Type, Old: to, Target: re.ch.To})
		default:
			for _, f := range re.ch.Fields {
				e.ch.Fields = append(e.ch.Fields, store.FieldChange{Field: re.rel.Type + "." + f.Field, Old: f.Old, New: f.New, Target: re.ch.To})
			}
		}
	}
	keys := make([]string, 0, len(c.nodes))
	for k := range c.nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]store.Change, 0, len(keys))
	for i, k := range keys {
		e := c.nodes[k]
		if e.ch.Op == store.OpUpdated && len(e.ch.Fields) == 0 {
			continue
		}
		out = append(out, store.Change{
			ID: fmt.Sprintf("%s/change/%d/%d", tenant, at.UnixMilli(), i), Tenant: tenant, SyncID: syncID, At: at,
			Op: e.ch.Op, AssetID: e.ch.Key, AssetKind: e.kind.Name, NativeID: e.ch.NativeID, Name: e.ch.Name, Fields: e.ch.Fields,
		})
	}
	return out
}
