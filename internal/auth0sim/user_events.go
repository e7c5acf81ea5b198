package auth0sim

import (
	"fmt"
	"time"
)

// User events: what users do themselves (log in, change their password or
// email, verify it, enrol in MFA or remove it, get blocked after failed
// logins) reaches the tenant's log as its own event types, not as sapi
// operations. UserEvent makes one happen: it changes the user as Auth0 would
// (profile fields and updated_at) and logs the event with the user's id.

// UserEventTypes are the event types UserEvent accepts.
var UserEventTypes = []string{"s", "scp", "sce", "scpn", "scu", "sv", "gd_enrollment_complete", "gd_unenroll", "limit_sul"}

var userEventDescriptions = map[string]string{
	"s": "Success Login", "scp": "Success Change Password", "sce": "Success Change Email",
	"scpn": "Success Change Phone Number", "scu": "Success Change Username", "sv": "Success Verification Email",
	"gd_enrollment_complete": "Guardian - Enrollment complete", "gd_unenroll": "Guardian - Unenroll device account",
	"limit_sul": "Blocked Account",
}

// UserEvent applies a user event of type typ (one of UserEventTypes) to the
// user and logs it.
func (s *Sim) UserEvent(typ, userID string) error {
	desc, ok := userEventDescriptions[typ]
	if !ok {
		return fmt.Errorf("unknown user event type %q", typ)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.indexOfID(userID)
	usr, ok := s.user(idx)
	if !ok {
		return fmt.Errorf("no user %q", userID)
	}
	now := s.nowMs()
	switch typ {
	case "s":
		usr.LastLogin = time.UnixMilli(now).UTC()
		usr.LoginsCount++
		usr.LastIP = "203.0.113.7"
	case "sce":
		s.idSeq++
		usr.Email = fmt.Sprintf("changed.%d.%s", s.idSeq, usr.Email)
		usr.EmailVerified = false
	case "sv":
		usr.EmailVerified = true
	case "gd_enrollment_complete":
		usr.Multifactor = []string{"guardian"}
	case "gd_unenroll":
		usr.Multifactor = nil
	}
	usr.UpdatedAt = time.UnixMilli(max(now, usr.UpdatedAt.UnixMilli()+1)).UTC()
	if idx < s.n {
		s.users.modified[idx] = &usr
	} else {
		s.users.created[idx-s.n] = &usr
	}
	s.appendLog(LogEvent{Type: typ, Description: desc, UserID: usr.UserID, UserName: usr.Email,
		Connection: usr.Connection, ConnectionID: usr.ConnectionID, IP: "203.0.113.7",
		Details: map[string]any{}})
	return nil
}
