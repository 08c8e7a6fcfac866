package server

import (
	"io"
	"net"
	"sync"
)

// limitListener accepts at most cap(slots) connections at a time; Accept
// waits for one to close beyond that. Connections held open by clients
// that send nothing (each is bounded by the header and stall timeouts, but
// a client can open thousands) would otherwise use up the process's
// descriptors, and with them the blobs' and the database's: the server
// would fail every request instead of making new ones wait.
type limitListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its slot back when it is closed, once. It passes the
// TCP connection's ReadFrom through, or net/http would copy every response
// body with write(2) instead of sendfile, and CloseWrite, with which
// net/http lets a client read an answer before the connection closes.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

var _ interface {
	io.ReaderFrom
	CloseWrite() error
} = (*limitedConn)(nil)

func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
