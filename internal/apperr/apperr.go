// Package apperr is authgraph's small error vocabulary. Packages wrap their
// errors with one of these kinds; the edges (CLI exit codes, HTTP statuses,
// GraphQL extensions) map the kind and show the message.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edges.
type Kind string

const (
	NotFound    Kind = "not_found"
	Invalid     Kind = "invalid"
	Unavailable Kind = "unavailable"
	Forbidden   Kind = "forbidden"
	// Unauthenticated: no credentials, or credentials that are unknown,
	// revoked or expired (HTTP 401; Forbidden is 403, a known caller whose
	// role does not allow the action).
	Unauthenticated Kind = "unauthenticated"
	Conflict        Kind = "conflict"
	Internal        Kind = "internal"
)

// Error carries a kind and a user-safe message, and wraps the cause.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg != "" {
		return e.Msg + ": " + e.Err.Error()
	}
	if e.Msg != "" {
		return e.Msg
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return string(e.Kind)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a formatted message.
func New(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns err classified as k, with msg in front of it.
func Wrap(k Kind, err error, msg string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Msg: msg, Err: err}
}

// KindOf returns the kind of the first classified error in err's chain, or
// Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ExitCode maps a kind to a process exit status for the CLI.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	switch KindOf(err) {
	case Invalid:
		return 2
	case NotFound:
		return 3
	case Unavailable:
		return 4
	case Forbidden, Unauthenticated:
		return 5
	case Conflict:
		return 6
	default:
		return 1
	}
}
