package store

import (
	"encoding/base64"
	"testing"
)

// A findings cursor keeps its order and the last sort value's type (a
// string or an integer), and anything else is refused as INVALID.
func TestFindingCursor(t *testing.T) {
	for _, c := range []findingCursor{
		{Field: "severity", Value: int64(2), ID: "t/finding/a"},
		{Field: "last_seen", Desc: true, Value: int64(1764650000000), ID: "t/finding/b"},
		{Field: "asset", Value: "Zoë's app", ID: "t/finding/c"},
	} {
		got, err := decodeFindingCursor(encodeFindingCursor(c))
		if err != nil || got != c {
			t.Errorf("round trip of %+v: %+v, %v", c, got, err)
		}
	}
	for _, bad := range []string{"", "!!", base64.RawURLEncoding.EncodeToString([]byte("2|t/finding/a")),
		base64.RawURLEncoding.EncodeToString([]byte(`{"f":"asset","v":{"x":1},"id":"a"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"f":"asset","v":1.5,"id":"a"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"f":"asset","v":"x"}`))} {
		if _, err := decodeFindingCursor(bad); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}
