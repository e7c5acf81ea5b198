package neo4jlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Timeouts of Start and Stop.
const (
	DefaultStartTimeout = 90 * time.Second
	DefaultStopTimeout  = 30 * time.Second
)

// entryPoint is the Neo4j Community server's main class.
const entryPoint = "org.neo4j.server.CommunityEntryPoint"

// Options choose the managed server for Start, Stop and Status.
type Options struct {
	// Dir is the instance directory; empty means DefaultDir().
	Dir string
	// Port is the Bolt port. 0 keeps the port of the last start (or
	// DefaultPort); Start of a running server with another non-zero port
	// is an apperr.Conflict.
	Port int
	// Password is set as neo4j's password when the data directory is
	// initialised, and used to check that Bolt answers. Empty means
	// $NEO4J_PASSWORD, else the password file (DIR/password), else a new
	// random password for a new data directory. See checkPassword.
	Password string
	// Memory sizes such as "512m" or "2g"; empty means the defaults.
	HeapInitial, HeapMax, PageCache string
	// StartTimeout bounds the wait for Bolt (DefaultStartTimeout when 0),
	// StopTimeout the wait for a graceful stop before SIGKILL
	// (DefaultStopTimeout when 0).
	StartTimeout, StopTimeout time.Duration
	// Out receives progress lines; nil discards them.
	Out io.Writer
}

func (o Options) out() io.Writer {
	if o.Out == nil {
		return io.Discard
	}
	return o.Out
}

func (o Options) dir() string {
	if o.Dir == "" {
		return DefaultDir()
	}
	return absDir(o.Dir)
}

// target is the managed target of o's dir with the password that o, the
// environment or the password file give (see ResolveTarget).
func (o Options) target() Target {
	t := ResolveTarget(o.dir())
	t.URI, t.User = boltURI(o.port()), DefaultUser
	if o.Password != "" {
		t.Password = o.Password
	}
	return t
}

// explicitPassword is the password given by flag or environment, if any.
func (o Options) explicitPassword() string {
	if o.Password != "" {
		return o.Password
	}
	return os.Getenv(EnvPassword)
}

func (o Options) port() int {
	if o.Port != 0 {
		return o.Port
	}
	if p := configuredPort(o.dir()); p != 0 {
		return p
	}
	return DefaultPort
}

// external returns the NEO4J_URI target and true when that variable is set.
func external() (Target, bool) {
	if os.Getenv(EnvURI) == "" {
		return Target{}, false
	}
	return ResolveTarget(""), true
}

// Start makes sure a Neo4j server answers and returns its target.
//
// With NEO4J_URI set it only checks that server. Otherwise it fetches the
// jars if needed, writes neo4j.conf, sets the initial password on a new data
// directory, starts the server as a detached background process (its output
// in DIR/logs/console.log, its pid in DIR/neo4j.pid) and waits until Bolt
// answers. Starting a server that already runs and answers does nothing.
func Start(ctx context.Context, o Options) (Target, error) {
	out := o.out()
	if t, ok := external(); ok {
		if err := Ping(ctx, t); err != nil {
			return t, err
		}
		fmt.Fprintf(out, "using the external Neo4j at %s; authgraph does not start it\n", t)
		return t, nil
	}

	dir := o.dir()
	cfg := Config{Dir: dir, Port: o.port(), HeapInitial: o.HeapInitial, HeapMax: o.HeapMax, PageCache: o.PageCache}.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Target{}, err
	}
	t, fresh, err := o.startTarget()
	if err != nil {
		return t, err
	}

	// Already running?
	if pid := runningPID(dir); pid != 0 {
		running := configuredPort(dir)
		if running == 0 {
			running = DefaultPort
		}
		if o.Port != 0 && o.Port != running {
			return t, apperr.New(apperr.Conflict,
				"Neo4j in %s already runs on port %d (pid %d): stop it first to change the port", dir, running, pid)
		}
		t.URI = boltURI(running)
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := Ping(pctx, t)
		cancel()
		if err == nil {
			fmt.Fprintf(out, "Neo4j already running (pid %d) at %s\n", pid, t.URI)
			return t, recordPassword(dir, t.Password, out)
		} else if apperr.KindOf(err) == apperr.Forbidden {
			return t, err
		}
		// Running but not answering yet: probably still starting.
		fmt.Fprintf(out, "Neo4j (pid %d) is running but Bolt does not answer yet; waiting ...\n", pid)
		began := time.Now()
		if err := waitBolt(ctx, t, pid, nil, o.startTimeout()); err != nil {
			return t, err
		}
		fmt.Fprintf(out, "Neo4j is up at %s after %.1fs (pid %d)\n", t.URI, time.Since(began).Seconds(), pid)
		return t, recordPassword(dir, t.Password, out)
	}
	_ = os.Remove(pidPath(dir)) // stale

	java, err := exec.LookPath("java")
	if err != nil {
		return t, apperr.New(apperr.Unavailable,
			"Java (java) not found on PATH: install a Java 17 or 21 runtime (e.g. apt-get install openjdk-17-jre-headless) to run Neo4j %s", Version)
	}
	if err := portFree(cfg.Port); err != nil {
		return t, err
	}
	if err := Fetch(ctx, dir, out); err != nil {
		return t, err
	}
	if err := writeConfig(cfg); err != nil {
		return t, err
	}
	if fresh {
		// The file first: a server with a password nobody kept is lost.
		if err := writePasswordFile(dir, t.Password); err != nil {
			return t, err
		}
		if err := setInitialPassword(ctx, java, dir, t.Password); err != nil {
			return t, err
		}
	}

	fmt.Fprintf(out, "starting Neo4j %s (bolt 127.0.0.1:%d, data %s) ...\n", Version, cfg.Port, dataDir(dir))
	began := time.Now()
	pid, exited, err := spawn(java, cfg)
	if err != nil {
		return t, err
	}
	if err := waitBolt(ctx, t, pid, exited, o.startTimeout()); err != nil {
		return t, err
	}
	fmt.Fprintf(out, "Neo4j is up at %s after %.1fs (pid %d)\n", t.URI, time.Since(began).Seconds(), pid)
	if fresh {
		fmt.Fprintf(out, "a new random password for user neo4j is kept in %s (mode 0600)\n", PasswordPath(dir))
		return t, nil
	}
	return t, recordPassword(dir, t.Password, out)
}

// startTarget is the target Start uses and whether the data directory is
// new (its password still to be set). For a new directory the password is
// the explicit one (flag, NEO4J_PASSWORD), else the kept one, else a new
// random one; for an existing one the explicit one, else the kept one, else
// LegacyPassword (a directory created before the password file existed).
func (o Options) startTarget() (Target, bool, error) {
	dir := o.dir()
	t := Target{URI: boltURI(o.port()), User: DefaultUser, Managed: true, Dir: dir}
	fresh := !initialised(dir)
	kept, ok, err := readPasswordFile(dir)
	if err != nil {
		return t, fresh, err
	}
	switch {
	case o.explicitPassword() != "":
		t.Password = o.explicitPassword()
	case ok:
		t.Password = kept
	case fresh:
		if t.Password, err = newPassword(); err != nil {
			return t, fresh, err
		}
	default:
		t.Password = LegacyPassword
	}
	if fresh {
		if err := checkPassword(t.Password); err != nil {
			return t, fresh, err
		}
	}
	return t, fresh, nil
}

// recordPassword keeps pw, which the server has just accepted, in dir's
// password file when there is none yet (a directory from before the file
// existed, or a password given by flag or environment). It says so once:
// the next start finds the file.
func recordPassword(dir, pw string, out io.Writer) error {
	if _, ok, err := readPasswordFile(dir); err != nil || ok {
		return err
	}
	if err := writePasswordFile(dir, pw); err != nil {
		return err
	}
	if pw == LegacyPassword {
		fmt.Fprintf(out, "note: this data directory still has the old well-known password; it is now kept in %s, "+
			"and `authgraph neo4j rotate-password` replaces it with a random one\n", PasswordPath(dir))
	} else {
		fmt.Fprintf(out, "the password of user neo4j is now kept in %s (mode 0600)\n", PasswordPath(dir))
	}
	return nil
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return DefaultStartTimeout
}

func (o Options) stopTimeout() time.Duration {
	if o.StopTimeout > 0 {
		return o.StopTimeout
	}
	return DefaultStopTimeout
}

// portFree fails with a one-line apperr.Conflict when something listens on
// 127.0.0.1:port.
func portFree(port int) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return apperr.New(apperr.Conflict,
			"port %d on 127.0.0.1 is already in use by another program: stop it, pass --port, or set %s to use that server", port, EnvURI)
	}
	l.Close()
	return nil
}

// initialised reports whether the data directory already has its users.
func initialised(dir string) bool {
	for _, p := range []string{
		filepath.Join(dataDir(dir), "databases", "system"),
		filepath.Join(dataDir(dir), "dbms", "auth.ini"),
	} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func neo4jEnv(dir string) []string {
	return append(os.Environ(), "NEO4J_HOME="+homeDir(dir), "NEO4J_CONF="+confDir(dir))
}

func classpath(dir string) string { return filepath.Join(libDir(dir), "*") }

// setInitialPassword runs neo4j-admin dbms set-initial-password with the
// password in an argument file (picocli expands @FILE into the arguments it
// holds), so it never shows in the process list.
func setInitialPassword(ctx context.Context, java, dir, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	argf, err := os.CreateTemp(dir, ".initial-password-*")
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "write the neo4j-admin argument file")
	}
	defer os.Remove(argf.Name())
	_, werr := argf.WriteString(password + "\n")
	if err := errors.Join(werr, argf.Close()); err != nil {
		return apperr.Wrap(apperr.Internal, err, "write the neo4j-admin argument file")
	}
	cmd := exec.CommandContext(ctx, java, "-cp", classpath(dir), "org.neo4j.cli.AdminTool",
		"dbms", "set-initial-password", "@"+argf.Name())
	cmd.Env = neo4jEnv(dir)
	cmd.Dir = homeDir(dir)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return apperr.Wrap(apperr.Unavailable, err,
			"neo4j-admin dbms set-initial-password failed ("+lastLines(buf.String(), 3)+")")
	}
	return nil
}

// spawn starts the server detached (own session and process group) and
// records its pid. exited is closed when the process ends, while this
// process lives.
func spawn(java string, cfg Config) (pid int, exited <-chan struct{}, err error) {
	dir := cfg.Dir
	logf, err := os.OpenFile(consoleLog(dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, nil, apperr.Wrap(apperr.Internal, err, "open console log")
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n===== authgraph: starting Neo4j %s at %s =====\n", Version, time.Now().Format(time.RFC3339))

	args := append(cfg.JVMArgs(), "-cp", classpath(dir), entryPoint,
		"--home-dir="+homeDir(dir), "--config-dir="+confDir(dir))
	cmd := exec.Command(java, args...)
	cmd.Env = neo4jEnv(dir)
	cmd.Dir = homeDir(dir)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, nil, apperr.Wrap(apperr.Unavailable, err, "start java")
	}
	pid = cmd.Process.Pid
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // reap it if it ends while we live
	if err := os.WriteFile(pidPath(dir), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return 0, nil, apperr.Wrap(apperr.Internal, err, "write pid file")
	}
	return pid, done, nil
}

// waitBolt polls until Bolt answers at t, the process dies, or timeout.
func waitBolt(ctx context.Context, t Target, pid int, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	dead := func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		return !alive(pid)
	}
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := Ping(pctx, t)
		cancel()
		if err == nil {
			return nil
		}
		if apperr.KindOf(err) == apperr.Forbidden {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if dead() {
			_ = os.Remove(pidPath(t.Dir))
			return apperr.Wrap(apperr.Unavailable, errors.New("the java process exited"), startFailure(t.Dir))
		}
		if time.Now().After(deadline) {
			return apperr.Wrap(apperr.Unavailable,
				fmt.Errorf("Bolt did not answer at %s within %s (pid %d still running; `authgraph neo4j stop` ends it)", t.URI, timeout, pid),
				startFailure(t.Dir))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func startFailure(dir string) string {
	tail := func(p string) string {
		b, _ := os.ReadFile(p)
		if len(b) > 64<<10 {
			b = b[len(b)-64<<10:]
		}
		return lastLines(string(b), 3)
	}
	console, neo4jLog := consoleLog(dir), filepath.Join(logDir(dir), "neo4j.log")
	return fmt.Sprintf("neo4j failed to start; see %s (%s) and %s (%s)", console, tail(console), neo4jLog, tail(neo4jLog))
}

// runningPID returns the pid in dir/neo4j.pid when that process is alive and
// is this directory's Neo4j server; else 0.
// RunningPID returns the pid of the Neo4j that `authgraph neo4j start` runs
// from dir, or 0 when none runs.
func RunningPID(dir string) int { return runningPID(dir) }

func runningPID(dir string) int {
	b, err := os.ReadFile(pidPath(dir))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || !alive(pid) {
		return 0
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err == nil {
		s := string(cmdline)
		if !strings.Contains(s, entryPoint) || !strings.Contains(s, "--home-dir="+homeDir(dir)) {
			return 0 // the pid was reused by another program
		}
	}
	return pid
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return !os.IsNotExist(err)
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}

// Stop stops the managed server: SIGTERM to its process group, then SIGKILL
// after StopTimeout. Stopping a server that does not run, or an external one
// (NEO4J_URI), only says so.
func Stop(ctx context.Context, o Options) error {
	out := o.out()
	if t, ok := external(); ok {
		fmt.Fprintf(out, "%s is set (%s): authgraph does not manage that server, nothing to stop\n", EnvURI, t.URI)
		return nil
	}
	dir := o.dir()
	pid := runningPID(dir)
	if pid == 0 {
		_ = os.Remove(pidPath(dir))
		fmt.Fprintf(out, "Neo4j is not running (%s)\n", dir)
		return nil
	}
	fmt.Fprintf(out, "stopping Neo4j (pid %d) ...\n", pid)
	began := time.Now()
	signalGroup(pid, syscall.SIGTERM)
	if !waitGone(ctx, pid, o.stopTimeout()) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(out, "Neo4j did not stop within %s; killing it\n", o.stopTimeout())
		signalGroup(pid, syscall.SIGKILL)
		if !waitGone(ctx, pid, 10*time.Second) {
			return apperr.New(apperr.Internal, "Neo4j (pid %d) survived SIGKILL", pid)
		}
	}
	_ = os.Remove(pidPath(dir))
	fmt.Fprintf(out, "stopped Neo4j in %.1fs\n", time.Since(began).Seconds())
	return nil
}

// signalGroup signals the process group led by pid (the server was started
// in its own session), falling back to the process alone.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}

func waitGone(ctx context.Context, pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

// State is what Status found.
type State struct {
	Target Target
	// Running: the managed server's process is alive (always false for an
	// external server).
	Running bool
	PID     int
	// Reachable: Bolt answered and accepted the credentials.
	Reachable bool
	// Err is why Bolt did not answer, when it did not.
	Err error
	// DataDir and LogDir of the managed server.
	DataDir, LogDir string
}

// Status reports on the managed server in o.Dir, or on the external server
// when NEO4J_URI is set. It does not start or change anything.
func Status(ctx context.Context, o Options) State {
	if t, ok := external(); ok {
		err := Ping(ctx, t)
		return State{Target: t, Reachable: err == nil, Err: err}
	}
	dir := o.dir()
	t := o.target()
	t.URI = boltURI(port0(configuredPort(dir)))
	st := State{Target: t, DataDir: dataDir(dir), LogDir: logDir(dir)}
	st.PID = runningPID(dir)
	st.Running = st.PID != 0
	if st.Running {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		st.Err = Ping(pctx, t)
		cancel()
		st.Reachable = st.Err == nil
	}
	return st
}

func port0(p int) int {
	if p == 0 {
		return DefaultPort
	}
	return p
}

// Describe renders a State as one human line.
func (s State) Describe() string {
	switch {
	case !s.Target.Managed && s.Reachable:
		return fmt.Sprintf("external Neo4j at %s: reachable", s.Target)
	case !s.Target.Managed:
		return fmt.Sprintf("external Neo4j at %s: not reachable (%v)", s.Target, s.Err)
	case s.Running && s.Reachable:
		return fmt.Sprintf("running (pid %d) at %s, data %s, logs %s", s.PID, s.Target.URI, s.DataDir, s.LogDir)
	case s.Running && apperr.KindOf(s.Err) == apperr.Forbidden:
		return fmt.Sprintf("running (pid %d) at %s, but it rejected the credentials (%v)", s.PID, s.Target.URI, s.Err)
	case s.Running:
		return fmt.Sprintf("running (pid %d) but Bolt at %s does not answer (%v); logs %s", s.PID, s.Target.URI, s.Err, s.LogDir)
	default:
		return fmt.Sprintf("stopped (%s)", s.Target.Dir)
	}
}
