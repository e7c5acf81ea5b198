package neo4jlocal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/apperr"
)

func TestNewPassword(t *testing.T) {
	a, err := newPassword()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newPassword()
	if a == b || len(a) != 43 {
		t.Fatalf("newPassword gave %d characters, twice the same: %v", len(a), a == b)
	}
	if err := checkPassword(a); err != nil {
		t.Fatalf("a generated password fails checkPassword: %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"abcdefgh", true},
		{"Tr0ub4dor&3!~$%^", true},
		{"short", false},
		{"with space", false},
		{"tab\there-x", false},
		{`quote"inside`, false},
		{"apos'inside", false},
		{`back\slash1`, false},
		{"@expands-a-file", false},
		{"#a-comment-line", false},
		{"ünïcödé-pass", false},
		{"newline\nxx", false},
	} {
		err := checkPassword(c.pw)
		if (err == nil) != c.ok {
			t.Errorf("checkPassword(%q) = %v, want ok=%v", c.pw, err, c.ok)
		}
		if err != nil && apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("checkPassword(%q) = %v, want apperr.Invalid", c.pw, err)
		}
		if err != nil && strings.Contains(err.Error(), c.pw) {
			t.Errorf("the error %q shows the password", err)
		}
	}
}

func TestPasswordFileIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n4j")
	if _, ok, err := readPasswordFile(dir); ok || err != nil {
		t.Fatalf("readPasswordFile of a new dir = %v, %v", ok, err)
	}
	if err := writePasswordFile(dir, "first-password"); err != nil {
		t.Fatal(err)
	}
	if err := writePasswordFile(dir, "second-password"); err != nil {
		t.Fatal(err)
	}
	pw, ok, err := readPasswordFile(dir)
	if err != nil || !ok || pw != "second-password" {
		t.Fatalf("readPasswordFile = %q, %v, %v", pw, ok, err)
	}
	mode(t, PasswordPath(dir), 0o600)
	mode(t, dir, 0o700)
	left, _ := filepath.Glob(filepath.Join(dir, ".password-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// A directory made before authgraph kept it private is narrowed on the
// next start, with the folders under it.
func TestWriteConfigNarrowsModes(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(confDir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(confPath(dir), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeConfig(Config{Dir: dir}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, dataDir(dir), confDir(dir), logDir(dir)} {
		mode(t, d, 0o700)
	}
	mode(t, confPath(dir), 0o600)
}

func mode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

// The password chosen for Start: explicit, else kept, else random for a new
// data directory and the legacy one for an old directory without a file.
func TestStartTarget(t *testing.T) {
	t.Setenv(EnvURI, "")
	t.Setenv(EnvPassword, "")
	fresh := t.TempDir()
	tg, isFresh, err := Options{Dir: fresh}.startTarget()
	if err != nil || !isFresh || len(tg.Password) != 43 {
		t.Fatalf("new dir: %v fresh=%v password length %d", err, isFresh, len(tg.Password))
	}
	if _, _, err := (Options{Dir: fresh, Password: "bad pass word"}).startTarget(); apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("a password with spaces for a new dir = %v, want Invalid", err)
	}

	kept := t.TempDir()
	if err := writePasswordFile(kept, "kept-password"); err != nil {
		t.Fatal(err)
	}
	if tg, _, _ := (Options{Dir: kept}).startTarget(); tg.Password != "kept-password" {
		t.Fatalf("kept: password %q", tg.Password)
	}
	if tg, _, _ := (Options{Dir: kept, Password: "flag-password"}).startTarget(); tg.Password != "flag-password" {
		t.Fatalf("flag: password %q", tg.Password)
	}
	t.Setenv(EnvPassword, "env-password")
	if tg, _, _ := (Options{Dir: kept}).startTarget(); tg.Password != "env-password" {
		t.Fatalf("env: password %q", tg.Password)
	}
	t.Setenv(EnvPassword, "")

	legacy := t.TempDir()
	if err := os.MkdirAll(filepath.Join(legacy, "data", "databases", "system"), 0o700); err != nil {
		t.Fatal(err)
	}
	tg, isFresh, err = Options{Dir: legacy}.startTarget()
	if err != nil || isFresh || tg.Password != LegacyPassword {
		t.Fatalf("legacy: %v fresh=%v password %q", err, isFresh, tg.Password)
	}
}
