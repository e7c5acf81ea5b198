package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Users. Auth0 lists and searches only the first 1,000 results of a query.
// Up to that, offset paging is cheapest and returns whole user objects;
// above it the users export job collects every user in a few calls (create,
// poll, one streamed download) whatever the size, where created_at windows
// would cost one call per 100 users and re-query an eventually consistent
// index. The export is streamed line by line, never held in memory.

const userListCap = 1000

// exportFields are the user attributes requested from the export job.
var exportFields = []string{
	"user_id", "email", "email_verified", "name", "nickname", "username", "given_name", "family_name",
	"phone_number", "phone_verified", "blocked", "multifactor", "created_at", "updated_at",
	"last_login", "last_ip", "logins_count", "identities",
}

func init() {
	register(&resource{
		name: "users", stage: 2, scope: "read:users", bulk: true,
		kinds: []*schema.Kind{schema.User},
		rels:  []*schema.Relation{schema.RelHasIdentity},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Users(ctx, management.PerPage(1))
			return err
		},
		run: runUsers,
	})
}

func runUsers(ctx context.Context, r *run) (int, error) {
	if !r.state.connectionsOK {
		r.markIncomplete(schema.RelHasIdentity.Name())
	}
	sortOpt := management.Parameter("sort", "created_at:1")
	first, err := r.api.Users(ctx, management.Page(0), management.PerPage(100), management.IncludeTotals(true), sortOpt)
	if err != nil {
		return 0, err
	}
	total := first.Total
	// Users stream through: nothing here grows with the tenant (the walk
	// of direct permissions reads the users back from the graph).
	n := 0
	emit := func(u *management.User) error {
		if err := r.emitUser(ctx, u); err != nil {
			return err
		}
		n++
		if n%1000 == 0 {
			r.progress(Event{Resource: "users", Phase: "progress", Count: n, Total: total})
		}
		return nil
	}
	if total <= userListCap {
		r.state.usersVia = "list"
		for _, u := range first.Users {
			if err := emit(u); err != nil {
				return n, err
			}
		}
		if len(first.Users) == 100 && total > 100 {
			// total <= userListCap bounds this walk.
			for page := 1; page*100 < total; page++ {
				l, err := r.api.Users(ctx, management.Page(page), management.PerPage(100), management.IncludeTotals(true), sortOpt)
				if err != nil {
					return n, err
				}
				for _, u := range l.Users {
					if err := emit(u); err != nil {
						return n, err
					}
				}
				if len(l.Users) < 100 {
					break
				}
			}
		}
	} else {
		r.state.usersVia = "export"
		r.progress(Event{Resource: "users", Phase: "progress", Count: 0, Total: total, Note: "export job"})
		body, err := r.api.ExportUsers(ctx, exportFields)
		if err != nil {
			return 0, err
		}
		err = decodeExport(body, emit)
		body.Close()
		if err != nil {
			return n, err
		}
	}
	r.state.mu.Lock()
	r.state.userCount = n
	r.state.usersOK = true
	r.state.mu.Unlock()
	return n, nil
}

// decodeExport reads NDJSON users one line at a time.
func decodeExport(body io.Reader, emit func(*management.User) error) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var u management.User
		if err := json.Unmarshal(b, &u); err != nil {
			// A failed read ends the scan with the partial line as a
			// token: report the read error, not the cut line.
			if rerr := sc.Err(); rerr != nil {
				return fmt.Errorf("read users export: %w", rerr)
			}
			return fmt.Errorf("users export line %d: %w", line, err)
		}
		if u.GetID() == "" {
			return fmt.Errorf("users export line %d: no user_id", line)
		}
		if err := emit(&u); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read users export: %w", err)
	}
	return nil
}

func (r *run) emitUser(ctx context.Context, u *management.User) error {
	if err := r.load.Node(ctx, schema.User, userNode(u)); err != nil {
		return err
	}
	for _, rel := range identityRels(u, r.state.connByName) {
		if err := r.load.Rel(ctx, schema.RelHasIdentity, rel); err != nil {
			return err
		}
	}
	return nil
}

// userNode keeps profile and security fields; identities' tokens and
// metadata are never read.
func userNode(u *management.User) store.Node {
	p := props{}.str("email", u.Email).bool("email_verified", u.EmailVerified).str("username", u.Username).
		str("nickname", u.Nickname).str("given_name", u.GivenName).str("family_name", u.FamilyName).
		str("phone_number", u.PhoneNumber).bool("phone_verified", u.PhoneVerified).
		str("last_ip", u.LastIP)
	// Auth0 leaves `blocked` out of a user never blocked and `logins_count`
	// out of one who never logged in (GET /users/{id}, the paged list), while
	// the users export writes false and 0: absent means the same, so every
	// path stores false / 0 and a user read one way equals the user read the
	// other (the reconcile above 1,000 users compares the two).
	p["blocked"] = u.GetBlocked()
	p["logins_count"] = u.GetLoginsCount()
	mfa := strs(u.Multifactor)
	if u.Multifactor != nil {
		p["multifactor"] = append([]string{}, mfa...)
	}
	p["mfa_enrolled"] = len(mfa) > 0
	if len(u.Identities) > 0 {
		p.str("connection", u.Identities[0].Connection).str("provider", u.Identities[0].Provider)
	}
	timeProp(p, "created_at", u.CreatedAt)
	timeProp(p, "updated_at", u.UpdatedAt)
	timeProp(p, "last_login", u.LastLogin)
	name := u.GetName()
	if name == "" {
		name = u.GetEmail()
	}
	if name == "" {
		name = u.GetID()
	}
	return store.Node{NativeID: u.GetID(), Name: name, Props: p}
}

// identityRels links a user to the connection of each identity, by name.
func identityRels(u *management.User, connByName map[string]string) []store.Rel {
	var out []store.Rel
	for _, id := range u.Identities {
		conn, ok := connByName[id.GetConnection()]
		if !ok {
			continue
		}
		out = append(out, store.Rel{From: u.GetID(), To: conn, Props: props{}.str("provider", id.Provider).str("user_id", id.UserID)})
	}
	return out
}
