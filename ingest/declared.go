package ingest

import (
	"context"
	"strings"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Helpers for resource files whose kind's declaration says where each
// property comes from: fetch the endpoint as JSON, copy the declared
// properties. What is not declared (certificates, credentials, code) is
// never read into a node, whatever the API sends.

// fetch reads GET /api/v2/<path> into a T.
func fetch[T any](ctx context.Context, api API, path string, opts ...management.RequestOption) (T, error) {
	var out T
	err := api.Get(ctx, &out, path, opts...)
	return out, err
}

// fetchAll reads an offset-paginated list (GET /api/v2/<path> with
// include_totals, whose envelope holds the items under field) and calls
// each for every item.
func fetchAll(ctx context.Context, api API, path, field string, each func(obj map[string]any) error) (int, error) {
	return eachOffsetPage(ctx, 50, func(opts ...management.RequestOption) (int, int, error) {
		page, err := fetch[map[string]any](ctx, api, path, opts...)
		if err != nil {
			return 0, 0, err
		}
		items, _ := page[field].([]any)
		for _, it := range items {
			if obj, ok := it.(map[string]any); ok {
				if err := each(obj); err != nil {
					return 0, 0, err
				}
			}
		}
		total, _ := page["total"].(float64)
		return len(items), int(total), nil
	})
}

// declaredNode makes a node of kind k from one JSON object of the API:
// each declared property is read from its API field (Property.From, a
// dotted path, default its name) and converted to its declared type;
// values of another shape are left out. The common properties (id, name,
// …) are the loader's, from nativeID and name.
func declaredNode(k *schema.Kind, obj map[string]any, nativeID, name string) store.Node {
	p := props{}
	for _, d := range k.Props {
		from := d.From
		if from == "" {
			from = d.Name
		}
		if v, ok := convert(d.Type, lookup(obj, from)); ok {
			p[d.Name] = v
		}
	}
	return store.Node{NativeID: nativeID, Name: name, Props: p}
}

// lookup walks a dotted path through nested JSON objects.
func lookup(obj map[string]any, path string) any {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// convert turns a decoded JSON value into the stored value of type t.
func convert(t schema.Type, v any) (any, bool) {
	switch t {
	case schema.String:
		s, ok := v.(string)
		return s, ok
	case schema.Bool:
		b, ok := v.(bool)
		return b, ok
	case schema.Int:
		f, ok := v.(float64)
		return int64(f), ok && f == float64(int64(f))
	case schema.Float:
		f, ok := v.(float64)
		return f, ok
	case schema.Time:
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		return tm.UTC(), err == nil
	case schema.StringList:
		l, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// str returns obj's string field key ("" when absent), for native ids and
// names.
func str(obj map[string]any, key string) string {
	s, _ := lookup(obj, key).(string)
	return s
}
