// Package neo4jlocal fetches, configures, starts, stops and reports on a
// local Neo4j Community server for authgraph, without Docker: the server's
// jars come from Maven Central through Maven, and the server runs as a plain
// java process in the background.
//
// Everything lives under one directory (DefaultDir, normally
// .authgraph/neo4j in the working directory):
//
//	DIR/pom.xml          the Maven project that names the Neo4j jars
//	DIR/lib/             the jars (DIR/lib/.complete marks a finished fetch)
//	DIR/home/conf/       neo4j.conf, rewritten on every start
//	DIR/data/            databases and transaction logs
//	DIR/logs/            console.log (the java process's output) and Neo4j's own logs
//	DIR/neo4j.pid        the server's pid while it runs
//	DIR/password         user neo4j's password (0600; DIR and its folders are 0700)
//
// Every authgraph command finds its server through ResolveTarget: when
// NEO4J_URI is set that server is used and never managed here; otherwise the
// managed local server at bolt://127.0.0.1:7687 (or the port written in
// DIR/home/conf/neo4j.conf) with user neo4j and the random password that
// the first start generated and kept in DIR/password (mode 0600).
// NEO4J_USER and NEO4J_PASSWORD override the credentials in both cases.
package neo4jlocal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Version is the Neo4j Community version that Fetch installs.
const Version = "5.26.30"

// Defaults of the managed local server. Its password is random, kept in
// PasswordPath(dir).
const (
	DefaultPort = 7687
	DefaultUser = "neo4j"
)

// Environment variables that choose the server.
const (
	// EnvURI, when set, points every command at an external server.
	EnvURI = "NEO4J_URI"
	// EnvUser overrides the user name (default neo4j).
	EnvUser = "NEO4J_USER"
	// EnvPassword overrides the password (default: the managed server's
	// password file).
	EnvPassword = "NEO4J_PASSWORD"
	// EnvDir overrides DefaultDir.
	EnvDir = "AUTHGRAPH_NEO4J_DIR"
)

// Target is where a command finds Neo4j and how it logs in.
type Target struct {
	URI      string // e.g. bolt://127.0.0.1:7687
	User     string
	Password string
	// Managed is true for the local server run from Dir, false for a
	// server named by NEO4J_URI, which authgraph never starts or stops.
	Managed bool
	// Dir is the managed server's directory (absolute); empty when not Managed.
	Dir string
}

// DefaultDir returns $AUTHGRAPH_NEO4J_DIR when set, else .authgraph/neo4j
// under the current working directory, as an absolute path.
func DefaultDir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return absDir(d)
	}
	return absDir(filepath.Join(".authgraph", "neo4j"))
}

// ResolveTarget returns the server that authgraph commands should use.
//
// When NEO4J_URI is set, that URI (unmanaged). Otherwise the managed server
// in dir (DefaultDir when dir is empty): bolt://127.0.0.1:PORT where PORT is
// the one configured in dir/home/conf/neo4j.conf, or DefaultPort before the
// first start. User and password come from NEO4J_USER and NEO4J_PASSWORD;
// without them the user is neo4j and, for the managed server, the password
// is the one kept in dir/password (LegacyPassword for a data directory
// created before that file existed; empty before the first start).
func ResolveTarget(dir string) Target {
	t := Target{
		User:     envOr(EnvUser, DefaultUser),
		Password: os.Getenv(EnvPassword),
	}
	if uri := os.Getenv(EnvURI); uri != "" {
		t.URI = uri
		return t
	}
	if dir == "" {
		dir = DefaultDir()
	}
	t.Dir = absDir(dir)
	t.Managed = true
	port := configuredPort(t.Dir)
	if port == 0 {
		port = DefaultPort
	}
	t.URI = boltURI(port)
	if t.Password == "" {
		if pw, ok, _ := readPasswordFile(t.Dir); ok {
			t.Password = pw
		} else if initialised(t.Dir) {
			t.Password = LegacyPassword
		}
	}
	return t
}

// String describes the target for messages.
func (t Target) String() string {
	if t.Managed {
		return t.URI
	}
	return t.URI + " (from " + EnvURI + ")"
}

// NewDriver opens a driver for t. It does not contact the server; call
// Ping or VerifyConnectivity for that.
func NewDriver(t Target) (neo4j.DriverWithContext, error) {
	d, err := neo4j.NewDriverWithContext(t.URI, neo4j.BasicAuth(t.User, t.Password, ""), func(c *config.Config) {
		c.SocketConnectTimeout = 5 * time.Second
		c.ConnectionAcquisitionTimeout = 30 * time.Second
	})
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "bad Neo4j URI "+t.URI)
	}
	return d, nil
}

// Ping checks that Bolt answers at t and accepts its credentials. Errors are
// apperr.Forbidden for rejected credentials, apperr.Unavailable otherwise.
func Ping(ctx context.Context, t Target) error {
	d, err := NewDriver(t)
	if err != nil {
		return err
	}
	defer d.Close(context.Background())
	if err := d.VerifyConnectivity(ctx); err != nil {
		if isAuthError(err) {
			hint := "set " + EnvPassword + " to its password"
			if t.Managed {
				hint = fmt.Sprintf("its password is kept in %s; set %s only to override it", PasswordPath(t.Dir), EnvPassword)
			}
			return apperr.Wrap(apperr.Forbidden, err,
				fmt.Sprintf("Neo4j at %s rejected user %q: %s", t.URI, t.User, hint))
		}
		return apperr.Wrap(apperr.Unavailable, err, "Neo4j not reachable at "+t.String())
	}
	return nil
}

func isAuthError(err error) bool {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		return ne.HasSecurityCode() || ne.IsAuthenticationFailed()
	}
	var ie *neo4j.InvalidAuthenticationError
	return errors.As(err, &ie)
}

func boltURI(port int) string { return "bolt://127.0.0.1:" + strconv.Itoa(port) }

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func absDir(d string) string {
	if a, err := filepath.Abs(d); err == nil {
		return a
	}
	return filepath.Clean(d)
}

// configuredPort reads the Bolt port from dir's neo4j.conf; 0 when unknown.
func configuredPort(dir string) int {
	f, err := os.Open(confPath(dir))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.TrimSpace(k) != "server.bolt.listen_address" {
			continue
		}
		v = strings.TrimSpace(v)
		if i := strings.LastIndex(v, ":"); i >= 0 {
			if p, err := strconv.Atoi(v[i+1:]); err == nil && p > 0 && p < 65536 {
				return p
			}
		}
	}
	return 0
}
