package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestResolveSecret(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask may narrow WriteFile's mode
			t.Fatal(err)
		}
		return p
	}
	private := file("private", "s3cret-from-file\n", 0o600)
	ownerOnly := file("owner-only", "s3cret-read-only\n", 0o400)
	groupReadable := file("group", "s3cret-group\n", 0o640)
	worldReadable := file("world", "s3cret-world\n", 0o644)
	empty := file("empty", "\n", 0o600)

	cases := []struct {
		name, flag, file, stdin, env string
		want                         string
		warn                         string // substring of the warning; "" = no warning
		wantErr                      string
	}{
		{name: "flag warns", flag: "s3cret-flag", want: "s3cret-flag", warn: "visible to other local users (ps)"},
		{name: "0600 file is quiet", file: private, want: "s3cret-from-file"},
		{name: "0400 file is quiet", file: ownerOnly, want: "s3cret-read-only"},
		{name: "group-readable file warns", file: groupReadable, want: "s3cret-group", warn: "mode 0640"},
		{name: "world-readable file warns", file: worldReadable, want: "s3cret-world", warn: "mode 0644"},
		{name: "stdin", file: "-", stdin: "  s3cret-stdin\n", want: "s3cret-stdin"},
		{name: "empty stdin", file: "-", stdin: "\n", wantErr: "stdin"},
		{name: "empty file", file: empty, wantErr: "empty"},
		{name: "missing file", file: filepath.Join(dir, "nope"), wantErr: "cannot read the client secret file"},
		{name: "environment", env: "s3cret-env", want: "s3cret-env"},
		{name: "flag beats env, and warns", flag: "s3cret-flag", env: "s3cret-env", want: "s3cret-flag", warn: "prefer --client-secret-file"},
		{name: "both", flag: "a", file: private, wantErr: "either"},
		{name: "none", want: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AUTH0_CLIENT_SECRET", c.env)
			var stderr bytes.Buffer
			cmd := &cobra.Command{}
			cmd.SetErr(&stderr)
			cmd.SetIn(strings.NewReader(c.stdin))
			got, err := resolveSecret(cmd, c.flag, c.file)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("secret = %q, want %q", got, c.want)
			}
			w := stderr.String()
			switch {
			case c.warn == "" && w != "":
				t.Errorf("unexpected warning %q", w)
			case c.warn != "" && !strings.Contains(w, c.warn):
				t.Errorf("warning %q, want one containing %q", w, c.warn)
			case c.warn != "" && !strings.HasPrefix(w, "warning: "):
				t.Errorf("warning %q does not start with \"warning: \"", w)
			}
			if got != "" && strings.Contains(w, got) {
				t.Errorf("the warning %q shows the secret", w)
			}
		})
	}
}
