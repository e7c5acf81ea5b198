package store

import (
	"context"
	"strings"
	"unicode"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// SearchHit is one asset found by free-text search, with its score.
type SearchHit struct {
	Asset Asset
	Score float64
}

// luceneSpecial are the characters Lucene's classic query parser treats as
// syntax; user text escapes them.
const luceneSpecial = `+-&|!(){}[]^"~*?:\/`

func escapeLucene(term string) string {
	var b strings.Builder
	for _, r := range term {
		if strings.ContainsRune(luceneSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return s != ""
}

// LuceneQuery turns user text into a full-text query: every term must match
// (escaped, so user text is never query syntax), and the last term also
// matches as a prefix (search as you type). Lucene's operator words are
// lowercased so they are searched as words.
func LuceneQuery(text string) string {
	fields := strings.Fields(text)
	parts := make([]string, 0, len(fields))
	for i, f := range fields {
		switch f {
		case "AND", "OR", "NOT", "TO":
			f = strings.ToLower(f)
		}
		e := escapeLucene(f)
		if i == len(fields)-1 && isWord(f) {
			parts = append(parts, "("+e+" OR "+strings.ToLower(e)+"*)")
		} else {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, " AND ")
}

// Search runs a ranked free-text search over every asset through the
// full-text index, optionally only some kinds and one tenant.
func (s *Store) Search(ctx context.Context, text string, kinds []*schema.Kind, tenant string, limit int) ([]SearchHit, error) {
	q := LuceneQuery(text)
	if q == "" {
		return nil, apperr.New(apperr.Invalid, "search needs some text")
	}
	params := map[string]any{"index": FullTextIndex, "q": q, "limit": limit}
	cy := "CALL db.index.fulltext.queryNodes($index, $q) YIELD node, score\n"
	var where []string
	if tenant != "" {
		where = append(where, "node.tenant = $tenant")
		params["tenant"] = tenant
	}
	if len(kinds) > 0 {
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = k.Name
		}
		where = append(where, "node.kind IN $kinds")
		params["kinds"] = names
	}
	if len(where) > 0 {
		cy += "WHERE " + strings.Join(where, " AND ") + "\n"
	}
	cy += "RETURN node, score LIMIT $limit"
	rows, err := s.queryRows(ctx, cy, params, "node", "score")
	if err != nil {
		return nil, err
	}
	out := make([]SearchHit, 0, len(rows))
	for _, row := range rows {
		a, ok := assetOf(row["node"])
		if !ok {
			continue
		}
		sc, _ := row["score"].(float64)
		out = append(out, SearchHit{Asset: a, Score: sc})
	}
	return out, nil
}
