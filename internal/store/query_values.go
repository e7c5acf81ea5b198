package store

import (
	"encoding/base64"
	"fmt"
	"math"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// JSONValue converts a value read from Neo4j to one encoding/json renders
// faithfully: date-times as RFC 3339 strings, other temporal and spatial
// values as their Cypher text, nodes, relationships and paths as objects.
func JSONValue(v any) any { return jsonValue(v, nil) }

// JSONProps converts a property map with JSONValue.
func JSONProps(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = jsonValue(v, nil)
	}
	return out
}

// jsonValue converts v; graph elements met on the way are gathered into b
// when b is not nil (the console's graph).
func jsonValue(v any, b *graphBuilder) any {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return x
	case int:
		return int64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, b)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e, b)
		}
		return out
	case dbtype.Node:
		if b != nil {
			b.addNode(x)
		}
		return nodeJSON(x)
	case dbtype.Relationship:
		if b != nil {
			b.addRel(x)
		}
		return map[string]any{
			"elementId": x.ElementId, "type": x.Type,
			"startElementId": x.StartElementId, "endElementId": x.EndElementId,
			"properties": JSONProps(x.Props),
		}
	case dbtype.Path:
		nodes := make([]any, len(x.Nodes))
		for i, n := range x.Nodes {
			nodes[i] = jsonValue(n, b)
		}
		rels := make([]any, len(x.Relationships))
		for i, r := range x.Relationships {
			rels[i] = jsonValue(r, b)
		}
		return map[string]any{"nodes": nodes, "relationships": rels}
	case dbtype.Date:
		return x.Time().Format("2006-01-02")
	case dbtype.LocalDateTime:
		return x.Time().Format("2006-01-02T15:04:05.999999999")
	case dbtype.LocalTime:
		return x.Time().Format("15:04:05.999999999")
	case dbtype.Time:
		return x.Time().Format("15:04:05.999999999Z07:00")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

func nodeJSON(n dbtype.Node) map[string]any {
	out := map[string]any{"elementId": n.ElementId, "labels": n.Labels, "properties": JSONProps(n.Props)}
	if a, ok := assetOf(n); ok {
		out["id"] = a.ID()
	}
	return out
}
