package auth0sim

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

// runExport creates an export job, polls it to completion and returns the
// download URL and the statuses seen.
func runExport(t *testing.T, m *management.Management, job *management.Job) (string, []string) {
	t.Helper()
	ctx := context.Background()
	if err := m.Job.ExportUsers(ctx, job); err != nil {
		t.Fatal(err)
	}
	if job.GetType() != "users_export" || (job.GetStatus() != "pending" && job.GetStatus() != "completed") ||
		!strings.HasPrefix(job.GetID(), "job_") {
		t.Fatalf("created job: type %s status %s id %s", job.GetType(), job.GetStatus(), job.GetID())
	}
	statuses := []string{job.GetStatus()}
	deadline := time.Now().Add(20 * time.Second)
	for {
		j := must(m.Job.Read(ctx, job.GetID()))(t)
		if s := j.GetStatus(); s != statuses[len(statuses)-1] {
			statuses = append(statuses, s)
		}
		if j.GetStatus() == "completed" {
			return j.GetLocation(), statuses
		}
		if time.Now().After(deadline) {
			t.Fatalf("export stuck in %s", j.GetStatus())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// download opens a gzip export file.
func download(t *testing.T, location string) io.ReadCloser {
	t.Helper()
	resp, err := http.Get(location)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("download: status %d", resp.StatusCode)
	}
	gz, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, resp.Body}
}

func TestExportJob(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 9, Users: 2000, ExportDelay: 200 * time.Millisecond})
	var want []User
	s.EachUser(func(u User) bool { want = append(want, u); return true })

	job := &management.Job{Format: auth0String("json"), Fields: []map[string]interface{}{
		{"name": "user_id"}, {"name": "email"}, {"name": "created_at"}, {"name": "identities[0].connection", "export_as": "connection"},
	}}
	location, statuses := runExport(t, m, job)
	if !strings.HasPrefix(location, srv.URL+"/") {
		t.Fatalf("location %q is not on the simulator", location)
	}
	if statuses[len(statuses)-1] != "completed" || len(statuses) < 2 {
		t.Fatalf("statuses %v", statuses)
	}
	body := download(t, location)
	defer body.Close()
	sc := bufio.NewScanner(body)
	n := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		w := want[n]
		if line["user_id"] != w.UserID || line["email"] != w.Email || line["connection"] != w.Connection ||
			line["created_at"] != w.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z") || len(line) != 4 {
			t.Fatalf("line %d = %v, want user %s", n, line, w.UserID)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("exported %d users, want %d", n, len(want))
	}

	t.Run("connection filter, default fields, csv", func(t *testing.T) {
		google := s.Snapshot().Connections[1]
		wantN := 0
		for _, u := range want {
			if u.ConnectionID == google.ID {
				wantN++
			}
		}
		loc, _ := runExport(t, m, &management.Job{Format: auth0String("json"), ConnectionID: &google.ID})
		body := download(t, loc)
		defer body.Close()
		sc := bufio.NewScanner(body)
		got := 0
		for sc.Scan() {
			var line map[string]any
			_ = json.Unmarshal(sc.Bytes(), &line)
			if _, ok := line["identities"]; !ok || line["user_id"] == nil || line["created_at"] == nil {
				t.Fatalf("default fields missing: %v", keys(line))
			}
			got++
		}
		if got != wantN {
			t.Fatalf("google export: %d users, want %d", got, wantN)
		}
		loc, _ = runExport(t, m, &management.Job{Format: auth0String("csv"), Fields: []map[string]interface{}{{"name": "user_id"}, {"name": "email"}}})
		rows, err := csv.NewReader(download(t, loc)).ReadAll()
		if err != nil || len(rows) != len(want)+1 || rows[0][0] != "user_id" || rows[1][0] != want[0].UserID {
			t.Fatalf("csv export: %d rows, err %v", len(rows), err)
		}
	})
}

func auth0String(s string) *string { return &s }
