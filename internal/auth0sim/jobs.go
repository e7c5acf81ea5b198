package auth0sim

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// exportJob is a users export. Its file is produced on download, streaming
// users from the generator, so a million users never sit in memory.
type exportJob struct {
	ID           string
	ConnectionID string
	Connection   string
	Format       string
	Limit        int
	Fields       []exportField
	Created      time.Time
	Ready        time.Time
}

type exportField struct {
	Name     string `json:"name"`
	ExportAs string `json:"export_as,omitempty"`
}

// defaultExportFields are used when the job names no fields.
var defaultExportFields = []string{"user_id", "email", "email_verified", "name", "given_name", "family_name",
	"nickname", "picture", "created_at", "updated_at", "last_login", "logins_count", "blocked", "identities"}

func (s *Sim) createExport(c *reqCtx) {
	var b struct {
		ConnectionID string        `json:"connection_id"`
		Format       string        `json:"format"`
		Limit        int           `json:"limit"`
		Fields       []exportField `json:"fields"`
	}
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	if b.Format == "" {
		b.Format = "csv"
	}
	if b.Format != "json" && b.Format != "csv" {
		s.badRequest(c, "Payload validation error: 'No enum match for: "+b.Format+"' on property format.")
		return
	}
	for _, f := range b.Fields {
		if f.Name == "" {
			s.badRequest(c, "Payload validation error: 'Missing required property: name' on property fields.")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	job := &exportJob{ID: s.newID(s.mutRNG(), "job_"), Format: b.Format, Limit: b.Limit, Fields: b.Fields,
		Created: time.Now().UTC()}
	if b.ConnectionID != "" {
		conn := s.findConnection(b.ConnectionID)
		if conn == nil || conn.ID != b.ConnectionID {
			s.notFound(c, "The connection does not exist", "inexistent_connection")
			return
		}
		job.ConnectionID, job.Connection = conn.ID, conn.Name
	}
	delay := s.cfg.ExportDelay
	if delay < 0 {
		delay = 0
	}
	job.Ready = job.Created.Add(delay)
	s.jobs[job.ID] = job
	writeJSON(c.w, http.StatusOK, s.renderJob(c, job))
}

func (s *Sim) renderJob(c *reqCtx, j *exportJob) map[string]any {
	m := map[string]any{"type": "users_export", "id": j.ID, "format": j.Format, "created_at": fmtMs(j.Created)}
	if j.ConnectionID != "" {
		m["connection_id"], m["connection"] = j.ConnectionID, j.Connection
	}
	if j.Limit > 0 {
		m["limit"] = j.Limit
	}
	if len(j.Fields) > 0 {
		m["fields"] = j.Fields
	}
	now := time.Now()
	total := j.Ready.Sub(j.Created)
	switch {
	case !now.Before(j.Ready):
		m["status"] = "completed"
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		ext := ".csv.gz"
		if j.Format == "json" {
			ext = ".json.gz"
		}
		m["location"] = fmt.Sprintf("%s://%s/exports/%s/%s%s", scheme, c.r.Host, j.ID, s.tenantName(), ext)
	case now.Sub(j.Created) < total/2:
		m["status"] = "pending"
	default:
		m["status"] = "processing"
		done := int(100 * now.Sub(j.Created) / max(total, 1))
		m["percentage_done"] = done
		m["time_left_seconds"] = int(j.Ready.Sub(now).Seconds()) + 1
	}
	return m
}

func (s *Sim) getJob(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j := s.jobs[c.seg[1]]
	if j == nil {
		s.notFound(c, "The job does not exist.", "inexistent_job")
		return
	}
	writeJSON(c.w, http.StatusOK, s.renderJob(c, j))
}

// handleDownload serves /exports/{job}/{file}: a gzip file of the users,
// NDJSON or CSV. Like the pre-signed URL Auth0 returns, it needs no token.
func (s *Sim) handleDownload(c *reqCtx) {
	if c.r.Method != http.MethodGet {
		http.Error(c.w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	segs, _ := splitPath(c.r.URL.EscapedPath())
	s.mu.RLock()
	j := s.jobs[segs[1]]
	s.mu.RUnlock()
	if j == nil || time.Now().Before(j.Ready) {
		c.w.Header().Set("Content-Type", "application/xml")
		c.w.WriteHeader(http.StatusNotFound)
		_, _ = c.w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
		return
	}
	c.w.Header().Set("Content-Type", "application/gzip")
	c.w.WriteHeader(http.StatusOK)
	gz, _ := gzip.NewWriterLevel(c.w, gzip.BestSpeed)
	bw := bufio.NewWriterSize(gz, 64<<10)
	fields := j.Fields
	if len(fields) == 0 {
		for _, f := range defaultExportFields {
			fields = append(fields, exportField{Name: f})
		}
	}
	var cw *csv.Writer
	if j.Format == "csv" {
		cw = csv.NewWriter(bw)
		head := make([]string, len(fields))
		for k, f := range fields {
			head[k] = f.ExportAs
			if head[k] == "" {
				head[k] = f.Name
			}
		}
		_ = cw.Write(head)
	}
	written := 0
	var line []byte
	s.eachUserIdx(func(_ int, u *User) bool {
		if j.ConnectionID != "" && u.ConnectionID != j.ConnectionID {
			return true
		}
		if cw != nil {
			row := make([]string, len(fields))
			for k, f := range fields {
				row[k] = csvValue(exportValue(u, f.Name))
			}
			_ = cw.Write(row)
		} else {
			// Fields in the order the job asked for them, no map.
			line = append(line[:0], '{')
			for _, f := range fields {
				v := exportValue(u, f.Name)
				if v == nil {
					continue
				}
				if len(line) > 1 {
					line = append(line, ',')
				}
				key := f.ExportAs
				if key == "" {
					key = f.Name
				}
				line = appendJSONString(line, key)
				line = append(line, ':')
				line = appendJSONValue(line, v)
			}
			line = append(line, '}', '\n')
			_, _ = bw.Write(line)
		}
		written++
		return j.Limit <= 0 || written < j.Limit
	}, false)
	if cw != nil {
		cw.Flush()
	}
	_ = bw.Flush()
	_ = gz.Close()
}

// exportValue reads a field of an exported user; nil means absent.
func exportValue(u *User, name string) any {
	str := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	switch name {
	case "user_id":
		return u.UserID
	case "email":
		return str(u.Email)
	case "email_verified":
		return u.EmailVerified
	case "name":
		return str(u.Name)
	case "given_name":
		return str(u.GivenName)
	case "family_name":
		return str(u.FamilyName)
	case "nickname":
		return str(u.Nickname)
	case "picture":
		return str(u.Picture)
	case "created_at":
		return fmtMs(u.CreatedAt)
	case "updated_at":
		return fmtMs(u.UpdatedAt)
	case "last_login":
		if u.LastLogin.IsZero() {
			return nil
		}
		return fmtMs(u.LastLogin)
	case "last_ip":
		return str(u.LastIP)
	case "logins_count":
		return u.LoginsCount
	case "blocked":
		return u.Blocked
	case "multifactor":
		if len(u.Multifactor) == 0 {
			return nil
		}
		return u.Multifactor
	case "app_metadata":
		if u.AppMetadata == nil {
			return nil
		}
		return u.AppMetadata
	case "user_metadata":
		if u.UserMetadata == nil {
			return nil
		}
		return u.UserMetadata
	case "identities":
		ids := make([]wireIdentity, len(u.Identities))
		for k, id := range u.Identities {
			ids[k] = wireIdentity{Connection: id.Connection, UserID: id.UserID, Provider: id.Provider, IsSocial: id.IsSocial}
		}
		return ids
	}
	if rest, ok := strings.CutPrefix(name, "identities[0]."); ok && len(u.Identities) > 0 {
		id := u.Identities[0]
		switch rest {
		case "connection":
			return id.Connection
		case "provider":
			return id.Provider
		case "user_id":
			return id.UserID
		case "isSocial":
			return id.IsSocial
		}
	}
	return nil
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// appendJSONString appends s as a JSON string; plain ASCII (the usual case)
// skips encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	default:
		enc, _ := json.Marshal(x)
		return append(b, enc...)
	}
}
