package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Channel is a notification channel. Its URL and signing secret are sealed
// by secretbox; URLHost (scheme and host only) is what lists show.
type Channel struct {
	Name         string
	Type         string // webhook or slack
	URLSealed    string
	SecretSealed string // webhook only; may be empty
	URLHost      string
	MinSeverity  string   // findings at or above it; "none" for no finding alerts
	Changes      []string // change filters (see monitor.ParseChangeFilter)
	Created      time.Time
	LastOK       time.Time
	LastErrorAt  time.Time
	LastError    string
}

// Delivery is one entry of a channel's delivery log.
type Delivery struct {
	Channel    string
	At         time.Time
	Event      string // e.g. finding.opened, change, test
	Status     string // ok or failed
	Attempts   int
	HTTPStatus int
	Error      string
}

// DeliveryLogSize bounds each channel's delivery log.
const DeliveryLogSize = 200

func channelFromProps(p map[string]any) Channel {
	c := Channel{Name: str(p["name"]), Type: str(p["type"]), URLSealed: str(p["url_sealed"]), SecretSealed: str(p["secret_sealed"]),
		URLHost: str(p["url_host"]), MinSeverity: str(p["min_severity"]), Created: msTime(p["created_ms"]),
		LastOK: msTime(p["last_ok_ms"]), LastErrorAt: msTime(p["last_error_ms"]), LastError: str(p["last_error"])}
	if l, ok := p["changes"].([]any); ok {
		for _, v := range l {
			c.Changes = append(c.Changes, str(v))
		}
	}
	return c
}

// AddChannel saves a new channel; a name in use is a Conflict.
func (s *Store) AddChannel(ctx context.Context, c Channel) error {
	changes := append([]string{}, c.Changes...)
	_, err := s.write(ctx, fmt.Sprintf(`CREATE (c:%s {name: $name, type: $type, url_sealed: $url, secret_sealed: $secret,
  url_host: $host, min_severity: $min, changes: $changes, created_ms: timestamp()})`, ChannelLabel), map[string]any{
		"name": c.Name, "type": c.Type, "url": c.URLSealed, "secret": c.SecretSealed, "host": c.URLHost,
		"min": c.MinSeverity, "changes": changes,
	})
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
		return apperr.New(apperr.Conflict, "a channel named %q exists", c.Name)
	}
	return err
}

// Channels returns every channel, by name.
func (s *Store) Channels(ctx context.Context) ([]Channel, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf("MATCH (c:%s) RETURN c ORDER BY c.name", ChannelLabel), nil)
	if err != nil {
		return nil, err
	}
	out := make([]Channel, 0, len(rows))
	for _, r := range rows {
		out = append(out, channelFromProps(nodeProps(r["c"])))
	}
	return out, nil
}

// GetChannel returns one channel, or NotFound.
func (s *Store) GetChannel(ctx context.Context, name string) (Channel, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf("MATCH (c:%s {name: $name}) RETURN c", ChannelLabel), map[string]any{"name": name})
	if err != nil {
		return Channel{}, err
	}
	if len(rows) == 0 {
		return Channel{}, apperr.New(apperr.NotFound, "no channel %q (see `authgraph channels list`)", name)
	}
	return channelFromProps(nodeProps(rows[0]["c"])), nil
}

// RemoveChannel deletes a channel and its delivery log.
func (s *Store) RemoveChannel(ctx context.Context, name string) error {
	c, err := s.write(ctx, fmt.Sprintf(`MATCH (c:%s {name: $name})
OPTIONAL MATCH (c)-[:%s]->(d:%s)
DETACH DELETE c, d`, ChannelLabel, DeliveredRel, DeliveryLabel), map[string]any{"name": name})
	if err != nil {
		return err
	}
	if c.NodesDeleted() == 0 {
		return apperr.New(apperr.NotFound, "no channel %q", name)
	}
	return nil
}

// RecordDelivery appends to a channel's delivery log (keeping the newest
// DeliveryLogSize entries) and updates its last success or last error.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (c:%[1]s {name: $channel})
CREATE (c)-[:%[2]s]->(:%[3]s {channel: $channel, at_ms: $at, event: $event, status: $status, attempts: $attempts,
  http_status: $http, error: $error})
SET c.last_ok_ms = CASE WHEN $status = 'ok' THEN $at ELSE c.last_ok_ms END,
    c.last_error_ms = CASE WHEN $status = 'ok' THEN c.last_error_ms ELSE $at END,
    c.last_error = CASE WHEN $status = 'ok' THEN c.last_error ELSE $error END
WITH c
MATCH (c)-[:%[2]s]->(old:%[3]s)
WITH old ORDER BY old.at_ms DESC SKIP $keep
DETACH DELETE old`, ChannelLabel, DeliveredRel, DeliveryLabel), map[string]any{
		"channel": d.Channel, "at": d.At.UnixMilli(), "event": d.Event, "status": d.Status, "attempts": d.Attempts,
		"http": d.HTTPStatus, "error": d.Error, "keep": DeliveryLogSize,
	})
	return err
}

// Deliveries returns a channel's newest deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, channel string, limit int) ([]Delivery, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (:%s {name: $channel})-[:%s]->(d:%s)
RETURN d ORDER BY d.at_ms DESC LIMIT $limit`, ChannelLabel, DeliveredRel, DeliveryLabel), map[string]any{"channel": channel, "limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		p := nodeProps(r["d"])
		out = append(out, Delivery{Channel: str(p["channel"]), At: msTime(p["at_ms"]), Event: str(p["event"]), Status: str(p["status"]),
			Attempts: int(i64(p["attempts"])), HTTPStatus: int(i64(p["http_status"])), Error: str(p["error"])})
	}
	return out, nil
}
