package neo4jlocal

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Default memory of the managed server, sized for a 2-core, 24 GB machine
// that also runs the tests, the simulator and the app.
const (
	DefaultHeapInitial = "1g"
	DefaultHeapMax     = "2g"
	DefaultPageCache   = "1g"
)

// Config is what neo4j.conf and the java command line are made from.
type Config struct {
	Dir         string // the instance directory (absolute)
	Port        int    // Bolt port on 127.0.0.1
	HeapInitial string // e.g. "1g"
	HeapMax     string // e.g. "2g"
	PageCache   string // e.g. "1g"
}

var sizeRE = regexp.MustCompile(`^[0-9]+[kmgKMG]?$`)

// withDefaults fills the empty fields.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.HeapInitial == "" {
		c.HeapInitial = DefaultHeapInitial
	}
	if c.HeapMax == "" {
		c.HeapMax = DefaultHeapMax
	}
	if c.PageCache == "" {
		c.PageCache = DefaultPageCache
	}
	return c
}

// Validate reports bad input as apperr.Invalid.
func (c Config) Validate() error {
	if c.Dir == "" || !filepath.IsAbs(c.Dir) {
		return apperr.New(apperr.Invalid, "neo4j dir must be an absolute path, got %q", c.Dir)
	}
	if c.Port < 1 || c.Port > 65535 {
		return apperr.New(apperr.Invalid, "bad port %d: want 1-65535", c.Port)
	}
	for name, v := range map[string]string{"heap initial size": c.HeapInitial, "heap max size": c.HeapMax, "page cache size": c.PageCache} {
		if !sizeRE.MatchString(v) {
			return apperr.New(apperr.Invalid, "bad %s %q: want e.g. 512m or 2g", name, v)
		}
	}
	return nil
}

// Render returns the contents of neo4j.conf.
func (c Config) Render() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Written by authgraph (neo4jlocal) on every start; edits here are overwritten.")
	w("# Neo4j %s Community, local development server.", Version)
	w("")
	w("# Directories: everything under %s", c.Dir)
	w("server.directories.data=%s", filepath.Join(c.Dir, "data"))
	w("server.directories.logs=%s", filepath.Join(c.Dir, "logs"))
	w("server.directories.run=%s", filepath.Join(c.Dir, "run"))
	w("server.directories.import=%s", filepath.Join(c.Dir, "import"))
	w("server.directories.plugins=%s", filepath.Join(c.Dir, "plugins"))
	w("server.directories.dumps.root=%s", filepath.Join(c.Dir, "data", "dumps"))
	w("server.directories.transaction.logs.root=%s", filepath.Join(c.Dir, "data", "transactions"))
	w("")
	w("# Network: Bolt only, on loopback.")
	w("server.default_listen_address=127.0.0.1")
	w("server.bolt.enabled=true")
	w("server.bolt.listen_address=127.0.0.1:%d", c.Port)
	w("server.bolt.advertised_address=127.0.0.1:%d", c.Port)
	w("server.bolt.tls_level=DISABLED")
	w("server.http.enabled=false")
	w("server.https.enabled=false")
	w("# No keep-alive NOOPs during requests: the server would otherwise send the")
	w("# connection.recv_timeout_seconds hint, and the Go driver then races every")
	w("# socket read against a timer in a goroutine of its own (a third of the")
	w("# API's CPU under load). Each transaction has its own timeout instead.")
	w("server.bolt.connection_keep_alive_for_requests=OFF")
	w("")
	w("# Memory. The heap sizes are also passed to java as -Xms/-Xmx.")
	w("server.memory.heap.initial_size=%s", c.HeapInitial)
	w("server.memory.heap.max_size=%s", c.HeapMax)
	w("server.memory.pagecache.size=%s", c.PageCache)
	w("")
	w("# Security and housekeeping.")
	w("dbms.security.auth_enabled=true")
	w("dbms.usage_report.enabled=false")
	w("db.tx_log.rotation.retention_policy=1G size")
	w("")
	w("# LOAD CSV reaches neither the network (every IPv4 and IPv6 address is")
	w("# blocked, loopback included) nor files. The read-only console refuses")
	w("# LOAD CSV itself; this is the layer below, for any query that gets past it.")
	w("# (Neo4j 5.26 Community declares the blocklist as internal.dbms.cypher_ip_blocklist;")
	w("# dbms.cypher.ip_blocklist is not a setting it knows, and strict validation refuses it.)")
	w("internal.dbms.cypher_ip_blocklist=%s", IPBlocklist)
	w("dbms.security.allow_csv_import_from_file_urls=false")
	w("")
	w("# Bounds for a transaction that sets none of its own: a time limit, and a")
	w("# memory limit of a quarter of the heap (authgraph's writes are batches of")
	w("# a few thousand rows, far below it).")
	w("db.transaction.timeout=%s", TransactionTimeout)
	w("db.memory.transaction.max=%s", c.transactionMemory())
	return b.String()
}

// Limits written into neo4j.conf (and, for Docker, docker-compose.yml).
const (
	// IPBlocklist covers every IPv4 and IPv6 address.
	IPBlocklist = "0.0.0.0/0,::/0"
	// TransactionTimeout is db.transaction.timeout, the default for
	// transactions that set no timeout of their own.
	TransactionTimeout = "60s"
)

// transactionMemory is db.memory.transaction.max: a quarter of the maximum
// heap, at least 64 MiB, in MiB.
func (c Config) transactionMemory() string {
	heap := sizeBytes(c.HeapMax)
	mib := max(heap/4>>20, 64)
	return fmt.Sprintf("%dm", mib)
}

// sizeBytes parses a size such as 512m, 2g, 512000k or 1073741824 (0 when
// it does not parse; Validate rejects those first).
func sizeBytes(s string) int64 {
	if !sizeRE.MatchString(s) {
		return 0
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n * mult
}

// JVMArgs returns the java options that the neo4j launcher script would
// derive from the configuration (we run java directly).
func (c Config) JVMArgs() []string {
	return []string{
		"-Xms" + c.HeapInitial,
		"-Xmx" + c.HeapMax,
		"-XX:+UseG1GC",
		"-XX:-OmitStackTraceInFastThrow",
		"-XX:+DisableExplicitGC",
		"-Djdk.nio.maxCachedBufferSize=1024",
		"-Dio.netty.tryReflectionSetAccessible=true",
		"-Djdk.tls.ephemeralDHKeySize=2048",
		"-Dlog4j2.disable.jmx=true",
		"-Dfile.encoding=UTF-8",
		"--add-opens=java.base/java.nio=ALL-UNNAMED",
		"--add-opens=java.base/java.io=ALL-UNNAMED",
		"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
	}
}

// Paths inside an instance directory.
func confDir(dir string) string  { return filepath.Join(dir, "home", "conf") }
func confPath(dir string) string { return filepath.Join(confDir(dir), "neo4j.conf") }
func homeDir(dir string) string  { return filepath.Join(dir, "home") }
func libDir(dir string) string   { return filepath.Join(dir, "lib") }
func logDir(dir string) string   { return filepath.Join(dir, "logs") }
func dataDir(dir string) string  { return filepath.Join(dir, "data") }
func pidPath(dir string) string  { return filepath.Join(dir, "neo4j.pid") }
func consoleLog(dir string) string {
	return filepath.Join(logDir(dir), "console.log")
}

// writeConfig creates the instance's directories, private to the user
// (the data and the password file live there), and writes neo4j.conf.
func writeConfig(c Config) error {
	if err := privateDirs(c.Dir, homeDir(c.Dir), confDir(c.Dir), dataDir(c.Dir), logDir(c.Dir), libDir(c.Dir),
		filepath.Join(c.Dir, "run"), filepath.Join(c.Dir, "import"), filepath.Join(c.Dir, "plugins")); err != nil {
		return err
	}
	if err := os.WriteFile(confPath(c.Dir), []byte(c.Render()), 0o600); err != nil {
		return apperr.Wrap(apperr.Internal, err, "write neo4j.conf")
	}
	// WriteFile keeps the mode of an existing file (one written before 0600).
	if err := os.Chmod(confPath(c.Dir), 0o600); err != nil {
		return apperr.Wrap(apperr.Internal, err, "chmod neo4j.conf")
	}
	return nil
}

// privateDirs creates each directory with mode 0700 and narrows the mode of
// those that already exist (directories made before authgraph did this).
func privateDirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return apperr.Wrap(apperr.Internal, err, "create neo4j directory")
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return apperr.Wrap(apperr.Internal, err, "chmod neo4j directory")
		}
	}
	return nil
}
