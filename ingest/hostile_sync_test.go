package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/schema"
)

// A tenant that turns hostile after a good sync: the users export job
// hands out a pre-signed URL that cannot be fetched, and the roles list
// never ends. The sync reports both, keeps their previous data, and stores
// no part of the URL's credentials.
func TestHostileTenantKeepsPreviousData(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 91, Users: 1100}) // above the list cap: users come by export
	if sum := e.sync(); sum.UsersVia != "export" {
		t.Fatalf("users via %q, want the export", sum.UsersVia)
	}
	before := e.actual()

	const sig, cred = "5ec7e7519a7f00d", "AKIAHOSTILETEST"
	simURL, _ := url.Parse(e.srv.URL)
	rp := httputil.NewSingleHostReverseProxy(simURL)
	direct := rp.Director
	rp.Director = func(r *http.Request) {
		direct(r)
		if r.URL.Path == "/api/v2/roles" { // always the first page
			q := r.URL.Query()
			q.Set("page", "0")
			r.URL.RawQuery = q.Encode()
		}
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		path := resp.Request.URL.Path
		jobRead := resp.Request.Method == http.MethodGet && strings.HasPrefix(path, "/api/v2/jobs/")
		if (!jobRead && path != "/api/v2/roles") || resp.StatusCode != 200 {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		if jobRead && m["location"] != nil {
			m["location"] = fmt.Sprintf("http://127.0.0.1:1/exports/tenant.json.gz?X-Amz-Credential=%s&X-Amz-Signature=%s", cred, sig)
		}
		if roles, ok := m["roles"].([]any); ok && len(roles) > 0 {
			for len(roles) < 100 { // full pages, forever
				roles = append(roles, roles[len(roles)%len(roles)])
			}
			m["roles"], m["total"] = roles[:100], 1<<30
		}
		b, _ = json.Marshal(m)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)

	cfg := e.config()
	cfg.Domain = proxy.URL
	cfg.MaxRetries = 1
	cfg.Limits = ingest.Limits{MaxPages: 30}
	sum, err := ingest.Run(context.Background(), e.st, cfg)
	if err != nil {
		t.Fatalf("failed resources must not fail the sync: %v", err)
	}
	t.Logf("status %s, failed %v", sum.Status, sum.Failed)
	if sum.Status != "partial" || sum.Failed["users"] == "" || !strings.Contains(sum.Failed["roles"], "does not end") {
		t.Fatalf("status %s, failed %v: want partial with users and roles failed", sum.Status, sum.Failed)
	}
	after := e.actual()
	for _, k := range []*schema.Kind{schema.User, schema.Role} {
		if b, a := kindsOf(before)[k.Name], kindsOf(after)[k.Name]; a != b {
			t.Errorf("%s: %d in the graph after the failed sync, %d before", k.Name, a, b)
		}
	}
	for n := range before.nodes {
		if !after.nodes[n] {
			t.Errorf("%s was deleted by a sync that failed to read its kind", n)
		}
	}
	for r := range before.rels {
		if !after.rels[r] {
			t.Errorf("%s was deleted by a sync that failed to read it", r)
			break
		}
	}

	// Nothing the sync reported or stored holds the URL's credentials.
	shown, _ := json.Marshal(sum)
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver,
		`MATCH (s:`+schema.SyncLabel+` {tenant: $t}) RETURN collect(properties(s)) AS ps`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	stored := fmt.Sprint(res.Records[0].Values[0])
	if !strings.Contains(stored, "127.0.0.1:1/exports/tenant.json.gz") {
		t.Errorf("the stored sync records do not say which download failed: %s", stored)
	}
	for _, s := range []string{sig, cred} {
		if strings.Contains(string(shown), s) || strings.Contains(stored, s) {
			t.Errorf("%s reached the summary or the graph:\nsummary %s\nstored %s", s, shown, stored)
		}
	}
}
