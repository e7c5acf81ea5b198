package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
)

// authgraph's own access records live beside the assets but apart from
// them: labels of their own (never Asset, never under a tenant), keyed by
// constraints. Tokens and sessions are stored as hashes of their secrets
// only, so reading the graph (a backup, the console) never yields a
// credential.
const (
	TokenLabel   = "AuthgraphToken"
	SessionLabel = "AuthgraphSession"
	AuditLabel   = "AuthgraphAudit"
)

// AccessLabels are the labels of the access records (the console and other
// readers of the asset graph leave them alone).
var AccessLabels = []string{TokenLabel, SessionLabel, AuditLabel}

// accessSchemaStatements key the access records.
func accessSchemaStatements() []string {
	return []string{
		"CREATE CONSTRAINT authgraph_token_id IF NOT EXISTS FOR (t:" + TokenLabel + ") REQUIRE t.id IS UNIQUE",
		"CREATE CONSTRAINT authgraph_session_hash IF NOT EXISTS FOR (s:" + SessionLabel + ") REQUIRE s.hash IS UNIQUE",
		"CREATE INDEX authgraph_session_expires IF NOT EXISTS FOR (s:" + SessionLabel + ") ON (s.expires)",
		"CREATE CONSTRAINT authgraph_audit_id IF NOT EXISTS FOR (a:" + AuditLabel + ") REQUIRE a.id IS UNIQUE",
		"CREATE INDEX authgraph_audit_at IF NOT EXISTS FOR (a:" + AuditLabel + ") ON (a.at)",
	}
}

// Token is an API token's record (never its secret).
type Token struct {
	ID       string // the public id, the part after agt_
	Name     string
	Role     string
	Hash     string // hex SHA-256 of the secret
	Created  time.Time
	Expires  *time.Time // nil: never
	LastUsed *time.Time
	Revoked  *time.Time
}

// CreateToken stores a new token. A public id that exists already is a
// Conflict (ids are random; the caller draws again).
func (s *Store) CreateToken(ctx context.Context, t Token) error {
	_, err := s.write(ctx, "CREATE (t:"+TokenLabel+" {id: $id, name: $name, role: $role, hash: $hash, created: $created, expires: $expires})", map[string]any{
		"id": t.ID, "name": t.Name, "role": t.Role, "hash": t.Hash, "created": t.Created.UTC(), "expires": utcOrNil(t.Expires),
	})
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
		return apperr.Wrap(apperr.Conflict, err, "a token with id "+t.ID+" exists")
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

const tokenFields = "t.id AS id, t.name AS name, t.role AS role, t.hash AS hash, t.created AS created, t.expires AS expires, t.last_used AS last_used, t.revoked AS revoked"

// Tokens lists every token, newest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.readRows(ctx, "MATCH (t:"+TokenLabel+") RETURN "+tokenFields+" ORDER BY t.created DESC, t.id", nil)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, tokenOf(r))
	}
	return out, nil
}

// TokenByID returns the token with public id id, or a NotFound error.
func (s *Store) TokenByID(ctx context.Context, id string) (Token, error) {
	rows, err := s.readRows(ctx, "MATCH (t:"+TokenLabel+" {id: $id}) RETURN "+tokenFields, map[string]any{"id": id})
	if err != nil {
		return Token{}, fmt.Errorf("read token: %w", err)
	}
	if len(rows) == 0 {
		return Token{}, apperr.New(apperr.NotFound, "no token %s", id)
	}
	return tokenOf(rows[0]), nil
}

// RevokeToken marks a token revoked (at most once) and ends the sessions
// it opened. An unknown id is NotFound.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	c, err := s.write(ctx, "MATCH (t:"+TokenLabel+" {id: $id}) SET t.revoked = coalesce(t.revoked, $at) "+
		"WITH t OPTIONAL MATCH (s:"+SessionLabel+" {token_id: t.id}) DELETE s",
		map[string]any{"id": id, "at": at.UTC()})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if c.PropertiesSet() == 0 {
		return apperr.New(apperr.NotFound, "no token %s", id)
	}
	return nil
}

// TouchToken records that a token was used at at.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.write(ctx, "MATCH (t:"+TokenLabel+" {id: $id}) SET t.last_used = $at", map[string]any{"id": id, "at": at.UTC()})
	return err
}

func tokenOf(r map[string]any) Token {
	t := Token{}
	t.ID, _ = r["id"].(string)
	t.Name, _ = r["name"].(string)
	t.Role, _ = r["role"].(string)
	t.Hash, _ = r["hash"].(string)
	t.Created, _ = r["created"].(time.Time)
	t.Expires = timePtr(r["expires"])
	t.LastUsed = timePtr(r["last_used"])
	t.Revoked = timePtr(r["revoked"])
	return t
}

// Session is a cookie session's record, keyed by the hash of its id.
type Session struct {
	Hash    string
	Subject string // "oidc:<sub>" or "token:<public id>"
	Name    string
	Role    string
	TokenID string // the API token it was opened with, if any
	Created time.Time
	Expires time.Time
	From    string // the address it was opened from
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, x Session) error {
	_, err := s.write(ctx, "CREATE (s:"+SessionLabel+" {hash: $hash, subject: $subject, name: $name, role: $role, token_id: $token, created: $created, expires: $expires, from: $from})",
		map[string]any{"hash": x.Hash, "subject": x.Subject, "name": x.Name, "role": x.Role, "token": nilIfEmpty(x.TokenID),
			"created": x.Created.UTC(), "expires": x.Expires.UTC(), "from": x.From})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns the live session with that hash: not expired at
// now and, when opened with an API token, that token neither revoked nor
// expired. ok is false otherwise.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (Session, bool, error) {
	rows, err := s.readRows(ctx, "MATCH (s:"+SessionLabel+" {hash: $hash}) WHERE s.expires > $now "+
		"OPTIONAL MATCH (t:"+TokenLabel+" {id: s.token_id}) "+
		"WITH s, t WHERE s.token_id IS NULL OR (t IS NOT NULL AND t.revoked IS NULL AND (t.expires IS NULL OR t.expires > $now)) "+
		"RETURN s.subject AS subject, s.name AS name, s.role AS role, s.token_id AS token, s.created AS created, s.expires AS expires, s.from AS from",
		map[string]any{"hash": hash, "now": now.UTC()})
	if err != nil {
		return Session{}, false, fmt.Errorf("read session: %w", err)
	}
	if len(rows) == 0 {
		return Session{}, false, nil
	}
	r := rows[0]
	x := Session{Hash: hash}
	x.Subject, _ = r["subject"].(string)
	x.Name, _ = r["name"].(string)
	x.Role, _ = r["role"].(string)
	x.TokenID, _ = r["token"].(string)
	x.Created, _ = r["created"].(time.Time)
	x.Expires, _ = r["expires"].(time.Time)
	x.From, _ = r["from"].(string)
	return x, true, nil
}

// DeleteSession ends a session (sign-out); deleting one that is gone is
// not an error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.write(ctx, "MATCH (s:"+SessionLabel+" {hash: $hash}) DELETE s", map[string]any{"hash": hash})
	return err
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	c, err := s.write(ctx, "MATCH (s:"+SessionLabel+") WHERE s.expires <= $now DELETE s", map[string]any{"now": now.UTC()})
	if err != nil {
		return 0, err
	}
	return c.NodesDeleted(), nil
}

// AuditEntry is one line of the audit log: who did what, when, from where.
type AuditEntry struct {
	ID      string
	At      time.Time
	Actor   string // a Principal's subject, "cli:<user>" or "anonymous"
	Name    string
	Role    string
	Action  string // e.g. signin, signin.failed, signout, token.create, graphql.mutation
	Target  string
	From    string // remote address
	Outcome string // ok, denied, failed
}

// Audit appends an entry.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	_, err := s.write(ctx, "CREATE (a:"+AuditLabel+" {id: $id, at: $at, actor: $actor, name: $name, role: $role, action: $action, target: $target, from: $from, outcome: $outcome})",
		map[string]any{"id": e.ID, "at": e.At.UTC(), "actor": e.Actor, "name": e.Name, "role": e.Role, "action": e.Action,
			"target": e.Target, "from": e.From, "outcome": e.Outcome})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditLog returns at most limit entries older than before (zero: now),
// newest first.
func (s *Store) AuditLog(ctx context.Context, limit int, before time.Time) ([]AuditEntry, error) {
	if before.IsZero() {
		before = time.Now().Add(time.Second)
	}
	rows, err := s.readRows(ctx, "MATCH (a:"+AuditLabel+") WHERE a.at < $before RETURN a.id AS id, a.at AS at, a.actor AS actor, a.name AS name, a.role AS role, "+
		"a.action AS action, a.target AS target, a.from AS from, a.outcome AS outcome ORDER BY a.at DESC, a.id LIMIT $limit",
		map[string]any{"before": before.UTC(), "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		var e AuditEntry
		e.ID, _ = r["id"].(string)
		e.At, _ = r["at"].(time.Time)
		e.Actor, _ = r["actor"].(string)
		e.Name, _ = r["name"].(string)
		e.Role, _ = r["role"].(string)
		e.Action, _ = r["action"].(string)
		e.Target, _ = r["target"].(string)
		e.From, _ = r["from"].(string)
		e.Outcome, _ = r["outcome"].(string)
		out = append(out, e)
	}
	return out, nil
}

func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func timePtr(v any) *time.Time {
	t, ok := v.(time.Time)
	if !ok {
		return nil
	}
	return &t
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EnsureAccessSchema creates the access records' constraints alone (the
// tokens command on a database serve has not set up yet).
func (s *Store) EnsureAccessSchema(ctx context.Context) error {
	for _, stmt := range accessSchemaStatements() {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("ensure access schema (%s): %w", stmt, err)
		}
	}
	return nil
}
