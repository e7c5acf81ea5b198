package stream

import (
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
)

const sapiUser = `{"log_id":"900202601010000000001","data":{"date":"2026-01-01T00:00:00.001Z","type":"sapi","description":"Update a User","details":{"request":{"method":"patch","path":"/api/v2/users/auth0|1"},"response":{"statusCode":200}},"log_id":"900202601010000000001"}}`
const sduUser = `{"log_id":"900202601010000000002","data":{"date":"2026-01-01T00:00:01Z","type":"sdu","user_id":"auth0|2","log_id":"900202601010000000002"}}`

func TestParseLogsFormats(t *testing.T) {
	cases := []struct {
		name, body string
		ids        []string
	}{
		{"JSONLINES", sapiUser + "\n" + sduUser + "\n", []string{"900202601010000000001", "900202601010000000002"}},
		{"JSONLINES with CRLF and blank lines", sapiUser + "\r\n\r\n" + sduUser, []string{"900202601010000000001", "900202601010000000002"}},
		{"JSONARRAY", "[" + sapiUser + "," + sduUser + "]", []string{"900202601010000000001", "900202601010000000002"}},
		{"JSONOBJECT", sduUser, []string{"900202601010000000002"}},
		{"bare log event", `{"log_id":"9001","type":"ss","user_id":"auth0|3","date":"2026-01-01T00:00:00Z"}`, []string{"9001"}},
		{"envelope id only", `{"log_id":"9002","data":{"type":"ss","user_id":"auth0|3"}}`, []string{"9002"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseLogs([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.ids) {
				t.Fatalf("got %d entries, want %d", len(got), len(c.ids))
			}
			for i, e := range got {
				if e.ID != c.ids[i] || e.Log.GetLogID() != c.ids[i] {
					t.Errorf("entry %d: id %q / log_id %q, want %q", i, e.ID, e.Log.GetLogID(), c.ids[i])
				}
			}
		})
	}
	got, _ := ParseLogs([]byte(sduUser))
	if ts := ingest.TouchesFromLog(got[0].Log); len(ts) != 1 || ts[0].ID != "auth0|2" || !ts[0].Deleted {
		t.Errorf("sdu maps to %+v", ts)
	}
}

func TestParseLogsRefusesBadBodies(t *testing.T) {
	bad := map[string]string{
		"empty":            "",
		"spaces":           "  \n ",
		"not JSON":         "hello",
		"truncated":        sapiUser[:40],
		"array of numbers": "[1,2]",
		"string":           `"x"`,
		"no log id":        `{"data":{"type":"s"}}`,
		"second line bad":  sapiUser + "\n{nope",
		"data not object":  `{"log_id":"1","data":[1]}`,
		"array in lines":   sapiUser + "\n[" + sduUser + "]",
		"too many":         "[" + strings.Repeat(`{"log_id":"1"},`, MaxEventsPerRequest) + `{"log_id":"1"}]`,
	}
	for name, body := range bad {
		if _, err := ParseLogs([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

const userCreated = `{"specversion":"1.0","id":"evt_1","source":"urn:auth0:x","type":"user.created","time":"2026-01-01T00:00:02Z","data":{"object":{"user_id":"auth0|9","email":"a@b"}},"a0tenant":"x","a0stream":"est_1"}`

func TestParseEvents(t *testing.T) {
	for name, body := range map[string]string{"single": userCreated, "batch": "[" + userCreated + "]", "lines": userCreated + "\n"} {
		evs, err := ParseEvents([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(evs) != 1 || evs[0].ID != "evt_1" || !evs[0].Time.Equal(time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC)) {
			t.Fatalf("%s: %+v", name, evs)
		}
	}
	bad := []string{
		`{"specversion":"0.3","id":"e","type":"user.created","time":"2026-01-01T00:00:00Z"}`,
		`{"specversion":"1.0","type":"user.created","time":"2026-01-01T00:00:00Z"}`,
		`{"specversion":"1.0","id":"e","time":"2026-01-01T00:00:00Z"}`,
		`{"specversion":"1.0","id":"e","type":"user.created"}`,
		`{"specversion":"1.0","id":"e","type":"user.created","time":"yesterday"}`,
		`[{"specversion":"1.0"}]`,
	}
	for _, b := range bad {
		if _, err := ParseEvents([]byte(b)); err == nil {
			t.Errorf("accepted %s", b)
		}
	}
}

func TestTouchesFromEvent(t *testing.T) {
	ev := func(typ, obj string) CloudEvent {
		return CloudEvent{SpecVersion: "1.0", ID: "e", Type: typ, Time: time.Now(), Data: []byte(`{"object":` + obj + `}`)}
	}
	cases := []struct {
		ev   CloudEvent
		want []Touch
	}{
		{ev("user.created", `{"user_id":"auth0|1"}`), []Touch{{Resource: "users", ID: "auth0|1"}}},
		{ev("com.auth0.user.updated", `{"user_id":"auth0|1"}`), []Touch{{Resource: "users", ID: "auth0|1"}}},
		{ev("user.deleted", `{"user_id":"auth0|1"}`), []Touch{{Resource: "users", ID: "auth0|1", Deleted: true}}},
		{ev("organization.created", `{"id":"org_1","name":"a"}`), []Touch{{Resource: "organizations", ID: "org_1"}}},
		{ev("organization.deleted", `{"id":"org_1"}`), []Touch{{Resource: "organizations", ID: "org_1", Deleted: true}}},
		{ev("organization.member.added", `{"organization":{"id":"org_1"},"user":{"user_id":"auth0|1"}}`), []Touch{{Resource: "organizations", ID: "org_1", Sub: ingest.SubMember, Member: "auth0|1"}}},
		{ev("organization.member.role.deleted", `{"organization":{"id":"org_1"},"user":{"user_id":"auth0|1"},"role":{"id":"rol_1"}}`), []Touch{{Resource: "organizations", ID: "org_1", Sub: ingest.SubMember, Member: "auth0|1"}}},
		{ev("organization.member.deleted", `{"organization":{"id":"org_1"}}`), []Touch{{Resource: "organizations", ID: "org_1", Sub: ingest.SubMembers}}},
		{ev("organization.connection.removed", `{"organization":{"id":"org_1"},"connection":{"id":"con_1"}}`), []Touch{{Resource: "organizations", ID: "org_1", Sub: ingest.SubConnections}}},
		{ev("user.created", `{}`), nil},
		{ev("group.created", `{"id":"g"}`), nil},
		{func() CloudEvent { e := ev("user.created", `{"user_id":"auth0|1"}`); e.A0Purpose = "test"; return e }(), nil},
	}
	for _, c := range cases {
		got := TouchesFromEvent(c.ev)
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%s: got %+v, want %+v", c.ev.Type, got, c.want)
		}
	}
}

func TestStreamBase(t *testing.T) {
	good := map[string]string{"https://ag.example.com": "https://ag.example.com", "https://ag.example.com/": "https://ag.example.com",
		"http://127.0.0.1:8080/base/": "http://127.0.0.1:8080/base"}
	for in, want := range good {
		if got, err := streamBase(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ag.example.com", "ftp://x", "https://u:secret@x", "https://x/?a=b", "https://x/#f", "https://", "javascript:alert(1)"} {
		_, err := streamBase(in)
		if err == nil {
			t.Errorf("%q accepted", in)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error repeats the URL's secret: %v", in, err)
		}
	}
}
