package neo4jlocal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/apperr"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    []string
		notWant []string
	}{
		{
			name: "defaults",
			cfg:  Config{Dir: "/srv/n4j"}.withDefaults(),
			want: []string{
				"server.bolt.listen_address=127.0.0.1:7687\n",
				"server.directories.data=/srv/n4j/data\n",
				"server.directories.logs=/srv/n4j/logs\n",
				"server.directories.run=/srv/n4j/run\n",
				"server.directories.import=/srv/n4j/import\n",
				"server.http.enabled=false\n",
				"server.https.enabled=false\n",
				"dbms.usage_report.enabled=false\n",
				"dbms.security.auth_enabled=true\n",
				"server.memory.heap.initial_size=1g\n",
				"server.memory.heap.max_size=2g\n",
				"server.memory.pagecache.size=1g\n",
				"internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0\n",
				"dbms.security.allow_csv_import_from_file_urls=false\n",
				"db.transaction.timeout=60s\n",
				"db.memory.transaction.max=512m\n",
			},
			notWant: []string{"http.enabled=true", "listen_address=0.0.0.0", "password"},
		},
		{
			name: "custom port and memory",
			cfg:  Config{Dir: "/tmp/x y", Port: 17687, HeapInitial: "256m", HeapMax: "512m", PageCache: "128m"},
			want: []string{
				"server.bolt.listen_address=127.0.0.1:17687\n",
				"server.directories.data=/tmp/x y/data\n",
				"server.memory.heap.max_size=512m\n",
				"server.memory.pagecache.size=128m\n",
				"db.memory.transaction.max=128m\n",
			},
			notWant: []string{":7687\n"},
		},
		{
			name: "small heap: the memory limit has a floor",
			cfg:  Config{Dir: "/srv/n4j", Port: 17687, HeapInitial: "128m", HeapMax: "131072k", PageCache: "64m"},
			want: []string{"db.memory.transaction.max=64m\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cfg.Render()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("config lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("config has %q:\n%s", w, got)
				}
			}
			args := strings.Join(tc.cfg.JVMArgs(), " ")
			if !strings.Contains(args, "-Xms"+tc.cfg.HeapInitial) || !strings.Contains(args, "-Xmx"+tc.cfg.HeapMax) {
				t.Errorf("JVM args %q do not match the heap settings", args)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Dir: "/srv/n4j"}.withDefaults()
	tests := []struct {
		name   string
		mutate func(*Config)
		valid  bool
	}{
		{"defaults", func(*Config) {}, true},
		{"relative dir", func(c *Config) { c.Dir = "rel/dir" }, false},
		{"port zero", func(c *Config) { c.Port = 0 }, false},
		{"port too big", func(c *Config) { c.Port = 70000 }, false},
		{"bad heap", func(c *Config) { c.HeapMax = "lots" }, false},
		{"page cache in k", func(c *Config) { c.PageCache = "512000k" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			err := c.Validate()
			if tc.valid && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tc.valid && apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("Validate() = %v, want an apperr.Invalid", err)
			}
		})
	}
}

func TestConfiguredPortRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if p := configuredPort(dir); p != 0 {
		t.Fatalf("configuredPort before any config = %d, want 0", p)
	}
	if err := writeConfig(Config{Dir: dir, Port: 17001}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	if p := configuredPort(dir); p != 17001 {
		t.Fatalf("configuredPort = %d, want 17001", p)
	}
}

func TestResolveTarget(t *testing.T) {
	confDirWithPort := t.TempDir()
	if err := writeConfig(Config{Dir: confDirWithPort, Port: 17002}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	cwd, _ := os.Getwd()
	envDir := t.TempDir()
	withPassword := t.TempDir()
	if err := writeConfig(Config{Dir: withPassword, Port: 17003}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	if err := writePasswordFile(withPassword, "kept-in-the-file"); err != nil {
		t.Fatal(err)
	}
	legacy := t.TempDir()
	if err := writeConfig(Config{Dir: legacy, Port: 17004}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(legacy, "data", "databases", "system"), 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		env  map[string]string
		dir  string
		want Target
	}{
		{
			name: "defaults: no password before the first start",
			dir:  "",
			want: Target{URI: "bolt://127.0.0.1:7687", User: "neo4j", Password: "", Managed: true,
				Dir: filepath.Join(cwd, ".authgraph", "neo4j")},
		},
		{
			name: "dir from AUTHGRAPH_NEO4J_DIR",
			env:  map[string]string{EnvDir: envDir},
			want: Target{URI: "bolt://127.0.0.1:7687", User: "neo4j", Password: "", Managed: true, Dir: envDir},
		},
		{
			name: "port from the written config",
			dir:  confDirWithPort,
			want: Target{URI: "bolt://127.0.0.1:17002", User: "neo4j", Password: "", Managed: true, Dir: confDirWithPort},
		},
		{
			name: "password from the password file",
			dir:  withPassword,
			want: Target{URI: "bolt://127.0.0.1:17003", User: "neo4j", Password: "kept-in-the-file", Managed: true, Dir: withPassword},
		},
		{
			name: "env beats the password file",
			env:  map[string]string{EnvPassword: "s3cretpass"},
			dir:  withPassword,
			want: Target{URI: "bolt://127.0.0.1:17003", User: "neo4j", Password: "s3cretpass", Managed: true, Dir: withPassword},
		},
		{
			name: "a data directory from before the password file: the legacy password",
			dir:  legacy,
			want: Target{URI: "bolt://127.0.0.1:17004", User: "neo4j", Password: LegacyPassword, Managed: true, Dir: legacy},
		},
		{
			name: "external server without NEO4J_PASSWORD: never the managed file",
			env:  map[string]string{EnvURI: "neo4j://db.example:7687"},
			dir:  withPassword,
			want: Target{URI: "neo4j://db.example:7687", User: "neo4j", Password: ""},
		},
		{
			name: "credentials from env for the managed server",
			env:  map[string]string{EnvUser: "alice", EnvPassword: "s3cretpass"},
			dir:  confDirWithPort,
			want: Target{URI: "bolt://127.0.0.1:17002", User: "alice", Password: "s3cretpass", Managed: true, Dir: confDirWithPort},
		},
		{
			name: "external server",
			env:  map[string]string{EnvURI: "neo4j://db.example:7687", EnvPassword: "other-pass"},
			dir:  confDirWithPort,
			want: Target{URI: "neo4j://db.example:7687", User: "neo4j", Password: "other-pass"},
		},
		{
			name: "empty NEO4J_URI counts as unset",
			env:  map[string]string{EnvURI: ""},
			dir:  confDirWithPort,
			want: Target{URI: "bolt://127.0.0.1:17002", User: "neo4j", Password: "", Managed: true, Dir: confDirWithPort},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{EnvURI, EnvUser, EnvPassword, EnvDir} {
				t.Setenv(k, tc.env[k])
			}
			if got := ResolveTarget(tc.dir); got != tc.want {
				t.Fatalf("ResolveTarget(%q) =\n  %+v\nwant\n  %+v", tc.dir, got, tc.want)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, "no output"},
		{"a\n\nb\nc\n", 2, "last lines: b | c"},
		{"java.lang.IllegalArgumentException: bad\n\tat x.y(Z.java:1)\n\t... 22 more\n", 3, "last lines: java.lang.IllegalArgumentException: bad"},
	}
	for _, tc := range tests {
		if got := lastLines(tc.in, tc.n); got != tc.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestStopWhenNotRunning(t *testing.T) {
	t.Setenv(EnvURI, "")
	var out strings.Builder
	if err := Stop(t.Context(), Options{Dir: t.TempDir(), Out: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not running") {
		t.Fatalf("Stop output %q does not say it is not running", out.String())
	}
	if st := Status(t.Context(), Options{Dir: t.TempDir()}); st.Running {
		t.Fatalf("Status of an empty dir says running: %+v", st)
	}
}

func TestStartExternalUnreachable(t *testing.T) {
	t.Setenv(EnvURI, "bolt://127.0.0.1:1")
	_, err := Start(t.Context(), Options{Dir: t.TempDir()})
	if apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("Start with an unreachable NEO4J_URI = %v, want apperr.Unavailable", err)
	}
	var out strings.Builder
	if err := Stop(t.Context(), Options{Out: &out}); err != nil || !strings.Contains(out.String(), "does not manage") {
		t.Fatalf("Stop with NEO4J_URI = %v, %q", err, out.String())
	}
}
