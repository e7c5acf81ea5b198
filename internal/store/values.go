package store

import "github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

// Small helpers to read driver values without panics.

func nodeProps(v any) map[string]any {
	switch n := v.(type) {
	case dbtype.Node:
		return n.Props
	case map[string]any:
		return n
	}
	return map[string]any{}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func i64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
