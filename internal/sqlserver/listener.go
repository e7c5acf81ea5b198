package sqlserver

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/dolthub/vitess/go/mysql"
)

// capListener bounds the open connections: one past the cap gets MySQL's
// "Too many connections" (1040) in place of the handshake and is closed.
// A connection not signed in within the handshake time is closed, so
// sockets that never authenticate cannot hold the slots.
type capListener struct {
	net.Listener
	slots     chan struct{}
	refusing  chan struct{} // refusals being written (bounded)
	handshake time.Duration
	log       *slog.Logger

	mu    sync.Mutex
	conns map[string]*capConn // by remote address
	shut  bool
}

func newCapListener(l net.Listener, max int, handshake time.Duration, log *slog.Logger) *capListener {
	return &capListener{Listener: l, slots: make(chan struct{}, max), refusing: make(chan struct{}, 32), handshake: handshake, log: log, conns: map[string]*capConn{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	backoff := 5 * time.Millisecond
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			// vitess stops its accept loop on any error: retry what may
			// pass (too many open files), end on a closed listener.
			if errors.Is(err, net.ErrClosed) || l.isShut() {
				return nil, err
			}
			l.log.Warn("sql: accept", "err", err, "retry in", backoff)
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		select {
		case l.slots <- struct{}{}:
		default:
			select {
			case l.refusing <- struct{}{}:
				l.log.Warn("sql: connection refused: too many connections", "from", remoteHost(c.RemoteAddr()), "max", cap(l.slots))
				go func() {
					refuseTooMany(c)
					<-l.refusing
				}()
			default:
				c.Close() // a flood: no error packet, no goroutine
			}
			continue
		}
		cc := &capConn{Conn: c, l: l, key: c.RemoteAddr().String()}
		l.mu.Lock()
		if l.shut {
			l.mu.Unlock()
			<-l.slots
			c.Close()
			continue
		}
		l.conns[cc.key] = cc
		l.mu.Unlock()
		cc.timer = time.AfterFunc(l.handshake, func() {
			l.mu.Lock()
			signedIn := cc.signedIn
			l.mu.Unlock()
			if !signedIn {
				cc.Close()
			}
		})
		return cc, nil
	}
}

func (l *capListener) isShut() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shut
}

// authed marks the connection from remote as signed in.
func (l *capListener) authed(remote string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cc, ok := l.conns[remote]; ok {
		cc.signedIn = true
		cc.timer.Stop()
	}
}

func (l *capListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// closeAll closes every open connection (the server is stopping).
func (l *capListener) closeAll() {
	l.mu.Lock()
	l.shut = true
	conns := make([]*capConn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

type capConn struct {
	net.Conn
	l        *capListener
	key      string
	timer    *time.Timer
	signedIn bool // under l.mu
	once     sync.Once
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.timer.Stop()
		c.l.mu.Lock()
		if c.l.conns[c.key] == c {
			delete(c.l.conns, c.key)
		}
		c.l.mu.Unlock()
		<-c.l.slots
	})
	return err
}

// refuseTooMany writes MySQL's error packet 1040 as the first packet (the
// client has not said what it supports yet, so no SQL state) and closes.
func refuseTooMany(c net.Conn) {
	defer c.Close()
	msg := "Too many connections"
	payload := make([]byte, 0, 3+len(msg))
	payload = append(payload, mysql.ErrPacket)
	payload = binary.LittleEndian.AppendUint16(payload, mysql.ERConCount)
	payload = append(payload, msg...)
	pkt := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), 0}
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write(append(pkt, payload...))
}
