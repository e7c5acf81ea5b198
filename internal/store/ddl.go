package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgraph/authgraph/schema"
)

// FullTextIndex is the name of the full-text index over every asset.
const FullTextIndex = "asset_search"

// SchemaStatements returns the constraint and index statements derived from
// package schema. They are idempotent (IF NOT EXISTS).
func SchemaStatements() []string {
	var out []string
	for _, k := range schema.Kinds {
		l := strings.ToLower(k.Label)
		out = append(out,
			fmt.Sprintf("CREATE CONSTRAINT %s_id IF NOT EXISTS FOR (n:%s) REQUIRE n.id IS UNIQUE", l, k.Label),
			fmt.Sprintf("CREATE INDEX %s_tenant IF NOT EXISTS FOR (n:%s) ON (n.tenant)", l, k.Label),
		)
		for _, p := range k.AllProps() {
			if p.Index {
				out = append(out, fmt.Sprintf("CREATE INDEX %s_%s_id IF NOT EXISTS FOR (n:%s) ON (n.%s, n.id)", l, p.Name, k.Label, p.Name))
			}
		}
	}
	props := schema.SearchProps()
	each := make([]string, len(props))
	for i, p := range props {
		each[i] = "n." + p
	}
	out = append(out,
		fmt.Sprintf("CREATE FULLTEXT INDEX %s IF NOT EXISTS FOR (n:%s) ON EACH [%s]", FullTextIndex, strings.Join(schema.SearchLabels(), "|"), strings.Join(each, ", ")),
		fmt.Sprintf("CREATE CONSTRAINT sync_id IF NOT EXISTS FOR (s:%s) REQUIRE s.id IS UNIQUE", schema.SyncLabel),
		fmt.Sprintf("CREATE INDEX sync_tenant IF NOT EXISTS FOR (s:%s) ON (s.tenant)", schema.SyncLabel),
		fmt.Sprintf("CREATE CONSTRAINT logcheckpoint_tenant IF NOT EXISTS FOR (c:%s) REQUIRE c.tenant IS UNIQUE", CheckpointLabel),
	)
	out = append(out, findingStatements()...)
	return append(out, accessSchemaStatements()...)
}

// EnsureSchema creates the constraints and indexes and waits until they are
// online, so the first sync's MERGEs use them.
func (s *Store) EnsureSchema(ctx context.Context) error {
	if err := s.migrateFullText(ctx); err != nil {
		return err
	}
	if err := s.dropSinglePropertyIndexes(ctx); err != nil {
		return err
	}
	for _, stmt := range SchemaStatements() {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("ensure schema (%s): %w", stmt, err)
		}
	}
	if _, err := s.write(ctx, "CALL db.awaitIndexes(300)", nil); err != nil {
		return fmt.Errorf("await indexes: %w", err)
	}
	return nil
}

// migrateFullText drops the full-text index when its properties differ from
// the schema's searchable ones, so EnsureSchema recreates it (IF NOT EXISTS
// would keep an outdated one).
func (s *Store) migrateFullText(ctx context.Context) error {
	rows, err := s.readRows(ctx, "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options WHERE name = $name RETURN labelsOrTypes, properties, coalesce(options.indexConfig['fulltext.eventually_consistent'], false) AS ec", map[string]any{"name": FullTextIndex})
	if err != nil || len(rows) == 0 {
		return err
	}
	// An eventually consistent index (tried, slower here) is recreated too.
	if sameStrings(rows[0]["labelsOrTypes"], schema.SearchLabels()) && sameStrings(rows[0]["properties"], schema.SearchProps()) && rows[0]["ec"] == false {
		return nil
	}
	_, err = s.write(ctx, "DROP INDEX "+FullTextIndex+" IF EXISTS", nil)
	return err
}

// sameStrings reports whether a list read from Neo4j holds want, in any order.
func sameStrings(have any, want []string) bool {
	l, _ := have.([]any)
	if len(l) != len(want) {
		return false
	}
	set := make(map[any]bool, len(l))
	for _, v := range l {
		set[v] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// dropSinglePropertyIndexes drops the (property) indexes of earlier versions,
// which (property, id) indexes replace; one read when there are none.
func (s *Store) dropSinglePropertyIndexes(ctx context.Context) error {
	var old []string
	for _, k := range schema.Kinds {
		for _, p := range k.AllProps() {
			if p.Index {
				old = append(old, strings.ToLower(k.Label)+"_"+p.Name)
			}
		}
	}
	rows, err := s.readRows(ctx, "SHOW RANGE INDEXES YIELD name WHERE name IN $old RETURN name", map[string]any{"old": old})
	if err != nil {
		return fmt.Errorf("ensure schema: %w", err)
	}
	for _, row := range rows {
		// Names come from the schema (checked by the IN above).
		if _, err := s.write(ctx, fmt.Sprintf("DROP INDEX %s IF EXISTS", row["name"]), nil); err != nil {
			return fmt.Errorf("ensure schema: %w", err)
		}
	}
	return nil
}
