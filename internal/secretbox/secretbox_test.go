package secretbox

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 7
	b, err := New(key, "test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal("hunter2-secret", "tenant/a/client_secret")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "hunter2") || !strings.HasPrefix(s, "v1:") {
		t.Fatalf("sealed value %q", s)
	}
	s2, _ := b.Seal("hunter2-secret", "tenant/a/client_secret")
	if s == s2 {
		t.Fatal("two seals of one value are equal (nonce reuse)")
	}
	if got, err := b.Open(s, "tenant/a/client_secret"); err != nil || got != "hunter2-secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	// Bound to its record.
	if _, err := b.Open(s, "tenant/b/client_secret"); err == nil {
		t.Fatal("opened under another record")
	}
	// Wrong key: a clear error without the value.
	key2 := make([]byte, 32)
	other, _ := New(key2, "other")
	_, err = other.Open(s, "tenant/a/client_secret")
	if err == nil || !strings.Contains(err.Error(), "not the one it was stored with") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("wrong key: %v", err)
	}
	for _, bad := range []string{"", "hunter2", "v1:", "v1:!!!", "v1:" + base64.StdEncoding.EncodeToString([]byte("short")), "v2:" + s[3:]} {
		if _, err := b.Open(bad, "x"); err == nil {
			t.Fatalf("opened %q", bad)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "secret.key")
	t.Setenv(EnvKey, "")
	t.Setenv(EnvKeyFile, path)
	if _, err := Load(false); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), EnvKey) {
		t.Fatalf("missing key: %v", err)
	}
	b1, err := Load(true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode(), err)
	}
	sealed, _ := b1.Seal("v", "ad")
	b2, err := Load(false)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := b2.Open(sealed, "ad"); err != nil || v != "v" {
		t.Fatalf("reload: %q %v", v, err)
	}
	// A key file others can read is refused.
	os.Chmod(path, 0o644)
	if _, err := Load(false); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("open key file: %v", err)
	}
	os.Chmod(path, 0o600)
	// The environment wins, and bad values are refused clearly.
	for _, bad := range []string{"not base64 at all!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		t.Setenv(EnvKey, bad)
		if _, err := Load(false); err == nil || !strings.Contains(err.Error(), "32 bytes") {
			t.Fatalf("bad env key %q: %v", bad, err)
		}
	}
	t.Setenv(EnvKey, base64.StdEncoding.EncodeToString(make([]byte, 32)))
	b3, err := Load(false)
	if err != nil || b3.Source() != EnvKey {
		t.Fatalf("env key: %v", err)
	}
	if _, err := b3.Open(sealed, "ad"); err == nil {
		t.Fatal("env key opened a value sealed with the file key")
	}
}
