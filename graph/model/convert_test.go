package model

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// FromAsset fills each model field from its stored property, whether it
// walks the model's fields (an asset with every property) or the asset's
// properties (a projected asset): both ways give the same model.
func TestFromAsset(t *testing.T) {
	login := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	yes, three := true, 3
	cases := []struct {
		name  string
		kind  *schema.Kind
		props map[string]any
		want  Asset
	}{
		{"projected user", schema.User, map[string]any{
			"id": "t/user/auth0|1", "kind": "Role", "email": "ada@example.com", "last_login": login,
		}, &User{ID: "t/user/auth0|1", Kind: "User", Email: str("ada@example.com"), LastLogin: &login}},
		{"user with lists, numbers, epoch ms and values of the wrong shape", schema.User, map[string]any{
			"id": "t/user/auth0|2", "native_id": "auth0|2", "tenant": "t", "name": "Bob",
			"email_verified": true, "logins_count": int64(3), "multifactor": []any{"otp", 7, "sms"},
			"lastupdated": login.UnixMilli(), "blocked": "not a bool", "not_a_field": 1,
		}, &User{ID: "t/user/auth0|2", Kind: "User", NativeID: "auth0|2", Tenant: "t", Name: "Bob",
			EmailVerified: &yes, LoginsCount: &three, Multifactor: []string{"otp", "sms"}, LastSeen: &login}},
		{"role", schema.Role, map[string]any{"id": "t/role/rol_1", "name": "admin", "description": "all"},
			&Role{ID: "t/role/rol_1", Kind: "Role", Name: "admin", Description: str("all")}},
	}
	for _, c := range cases {
		// Pad the properties with ones no model shows, so that the asset
		// has more properties than the model has fields: the other walk.
		padded := map[string]any{}
		for k, v := range c.props {
			padded[k] = v
		}
		for i := range 64 {
			padded[fmt.Sprintf("zz_%d", i)] = i
		}
		for _, props := range []map[string]any{c.props, padded} {
			got := FromAsset(store.Asset{Kind: c.kind, Props: props})
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s (%d properties):\n got %+v\nwant %+v", c.name, len(props), got, c.want)
			}
		}
	}
}
