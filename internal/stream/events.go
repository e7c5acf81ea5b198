package stream

import (
	"encoding/json"
	"strings"

	"github.com/authgraph/authgraph/ingest"
)

// Touch is one asset an event changed (see ingest.Touch).
type Touch = ingest.Touch

// EventTypes are the Event Streams types authgraph subscribes to and maps.
var EventTypes = []string{
	"user.created", "user.updated", "user.deleted",
	"organization.created", "organization.updated", "organization.deleted",
	"organization.member.added", "organization.member.deleted",
	"organization.member.role.assigned", "organization.member.role.deleted",
	"organization.connection.added", "organization.connection.updated", "organization.connection.removed",
}

// TouchesFromEvent maps one CloudEvent to the assets it changed. Types it
// does not know (and test deliveries) touch nothing. Auth0's types may come
// prefixed ("com.auth0.user.created" in older documents): the prefix is
// ignored.
func TouchesFromEvent(ev CloudEvent) []Touch {
	if ev.A0Purpose == "test" {
		return nil
	}
	typ := strings.TrimPrefix(ev.Type, "com.auth0.")
	var data struct {
		Object map[string]any `json:"object"`
	}
	if len(ev.Data) > 0 {
		_ = json.Unmarshal(ev.Data, &data)
	}
	obj := data.Object
	userID := firstString(obj, "user_id", "user.user_id", "user.id")
	orgID := firstString(obj, "organization.id", "organization_id")
	switch typ {
	case "user.created", "user.updated":
		if userID != "" {
			return []Touch{{Resource: "users", ID: userID}}
		}
	case "user.deleted":
		if userID != "" {
			return []Touch{{Resource: "users", ID: userID, Deleted: true}}
		}
	case "organization.created", "organization.updated":
		if id := firstString(obj, "id", "organization.id"); id != "" {
			return []Touch{{Resource: "organizations", ID: id}}
		}
	case "organization.deleted":
		if id := firstString(obj, "id", "organization.id"); id != "" {
			return []Touch{{Resource: "organizations", ID: id, Deleted: true}}
		}
	case "organization.member.added", "organization.member.deleted",
		"organization.member.role.assigned", "organization.member.role.deleted":
		switch {
		case orgID != "" && userID != "":
			return []Touch{{Resource: "organizations", ID: orgID, Sub: ingest.SubMember, Member: userID}}
		case orgID != "":
			return []Touch{{Resource: "organizations", ID: orgID, Sub: ingest.SubMembers}}
		}
	case "organization.connection.added", "organization.connection.updated", "organization.connection.removed":
		if orgID != "" {
			return []Touch{{Resource: "organizations", ID: orgID, Sub: ingest.SubConnections}}
		}
	}
	return nil
}

// firstString returns the first non-empty string at one of the dotted paths.
func firstString(m map[string]any, paths ...string) string {
	for _, p := range paths {
		var cur any = m
		for _, part := range strings.Split(p, ".") {
			mm, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = mm[part]
		}
		if s, ok := cur.(string); ok && s != "" {
			return s
		}
	}
	return ""
}
