package neo4jlocal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
)

// The managed server's password. A new data directory gets a random one,
// kept in DIR/password (mode 0600, in a 0700 directory) and read by
// ResolveTarget, so no command needs it on its command line or in the
// environment. It never appears in a process's arguments: the initial
// password reaches neo4j-admin through an argument file (picocli's @file).

// LegacyPassword is the password every data directory got before authgraph
// generated one. It is used only to recognise such a directory and keep it
// working (Start records it in the password file and says so once).
const LegacyPassword = "authgraph"

// passwordFileName is the file in the instance directory.
const passwordFileName = "password"

// PasswordPath is the file that holds the managed server's password.
func PasswordPath(dir string) string { return filepath.Join(dir, passwordFileName) }

// newPassword returns 32 random bytes, base64url-encoded (43 characters
// that need no quoting anywhere).
func newPassword() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", apperr.Wrap(apperr.Internal, err, "generate the Neo4j password")
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// checkPassword accepts what Neo4j accepts (8 characters or more) and what
// passes through neo4j-admin's argument file unchanged: printable ASCII
// without spaces, quotes or backslashes, not starting with @ or #.
func checkPassword(pw string) error {
	if len(pw) < 8 {
		return apperr.New(apperr.Invalid, "the Neo4j password must have at least 8 characters")
	}
	for _, r := range pw {
		if r <= ' ' || r > '~' || r == '"' || r == '\'' || r == '\\' {
			return apperr.New(apperr.Invalid, "the Neo4j password may hold printable ASCII only, without spaces, quotes or backslashes")
		}
	}
	if pw[0] == '@' || pw[0] == '#' {
		return apperr.New(apperr.Invalid, "the Neo4j password must not start with @ or #")
	}
	return nil
}

// readPasswordFile returns the password kept in dir, and false when there
// is no file.
func readPasswordFile(dir string) (string, bool, error) {
	b, err := os.ReadFile(PasswordPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, apperr.Wrap(apperr.Internal, err, "read the Neo4j password file")
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return "", false, apperr.New(apperr.Invalid, "the Neo4j password file %s is empty", PasswordPath(dir))
	}
	return pw, true, nil
}

// writePasswordFile replaces dir's password file atomically, mode 0600.
func writePasswordFile(dir, pw string) error {
	if err := privateDirs(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".password-*")
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "write the Neo4j password file")
	}
	tmp := f.Name()
	_, werr := f.WriteString(pw + "\n")
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp, 0o600)); err != nil {
		_ = os.Remove(tmp)
		return apperr.Wrap(apperr.Internal, err, "write the Neo4j password file")
	}
	if err := os.Rename(tmp, PasswordPath(dir)); err != nil {
		_ = os.Remove(tmp)
		return apperr.Wrap(apperr.Internal, err, "write the Neo4j password file")
	}
	return nil
}

// RotatePassword gives user neo4j of the managed server in o's directory a
// new random password over Bolt (ALTER CURRENT USER, the password sent as a
// parameter) and records it in the password file. The server must run.
func RotatePassword(ctx context.Context, o Options) error {
	if t, ok := external(); ok {
		return apperr.New(apperr.Invalid, "%s is set (%s): authgraph does not manage that server's password", EnvURI, t.URI)
	}
	dir := o.dir()
	if runningPID(dir) == 0 {
		return apperr.New(apperr.Unavailable, "Neo4j in %s is not running: start it with `authgraph neo4j start`", dir)
	}
	t := ResolveTarget(dir)
	t.User = DefaultUser
	if o.Password != "" {
		t.Password = o.Password
	}
	next, err := newPassword()
	if err != nil {
		return err
	}
	if err := changePassword(ctx, t, next); err != nil {
		return err
	}
	if err := writePasswordFile(dir, next); err != nil {
		// The server has the new password and the file does not: say where
		// it can be recovered from rather than lose it.
		return fmt.Errorf("%w (the new password could not be recorded; run rotate-password again with NEO4J_PASSWORD unset after restoring %s)", err, PasswordPath(dir))
	}
	fmt.Fprintf(o.out(), "Neo4j password changed; kept in %s (mode 0600)\n", PasswordPath(dir))
	return nil
}

// changePassword runs ALTER CURRENT USER on the system database as t.
func changePassword(ctx context.Context, t Target, next string) error {
	d, err := NewDriver(t)
	if err != nil {
		return err
	}
	defer d.Close(context.Background())
	_, err = neo4j.ExecuteQuery(ctx, d, "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
		map[string]any{"old": t.Password, "new": next}, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase("system"))
	if err != nil {
		if isAuthError(err) {
			return apperr.Wrap(apperr.Forbidden, err, "Neo4j rejected the current password")
		}
		return apperr.Wrap(apperr.Unavailable, err, "change the Neo4j password")
	}
	return nil
}
