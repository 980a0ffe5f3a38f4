package tests

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultProxy is a TCP proxy on a loopback port in front of a real server, which a test
// switches between faults: it passes bytes both ways, refuses new connections (the port is
// closed), resets the connections it has (RST), or blackholes them (bytes are read and
// dropped in both directions, with no FIN or RST; new connections are accepted and held
// the same way), as a silent network does. It is safe for concurrent use.
type faultProxy struct {
	t      *testing.T
	target string
	addr   string

	mu       sync.Mutex
	ln       net.Listener
	blackhol bool
	pairs    map[*proxyPair]struct{}
	// accepted counts the connections accepted; heldAt holds the time of the first
	// connection accepted during the current blackhole (zero if none yet).
	accepted int
	heldAt   time.Time
	closed   bool
	wg       sync.WaitGroup
	// down counts the bytes forwarded from the server to clients.
	down atomic.Int64
}

// proxyPair is one client connection and, unless it was accepted during a blackhole, its
// connection to the target.
type proxyPair struct {
	client, server net.Conn // server is nil for a connection held since it was accepted
	held           atomic.Bool
	once           sync.Once
}

// newFaultProxy starts a proxy to target (host:port) on a free loopback port, passing
// bytes. It stops with the test.
func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &faultProxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, pairs: map[*proxyPair]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop(ln)
	t.Cleanup(p.close)
	return p
}

// SetTarget makes new connections go to target (host:port), as after a server moved.
func (p *faultProxy) SetTarget(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
}

// Addr returns the proxy's host:port.
func (p *faultProxy) Addr() string { return p.addr }

// BytesDown returns the number of bytes forwarded from the server so far.
func (p *faultProxy) BytesDown() int64 { return p.down.Load() }

// Accepted returns the number of connections accepted so far.
func (p *faultProxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// HeldSince returns the time the first connection was accepted during the current
// blackhole, zero if none was.
func (p *faultProxy) HeldSince() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.heldAt
}

func (p *faultProxy) acceptLoop(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			reset(c)
			return
		}
		p.accepted++
		pair := &proxyPair{client: c}
		p.pairs[pair] = struct{}{}
		hold := p.blackhol
		if hold && p.heldAt.IsZero() {
			p.heldAt = time.Now()
		}
		p.mu.Unlock()
		if hold {
			pair.held.Store(true)
			p.wg.Add(1)
			go p.pipe(pair, nil, c)
			continue
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		s, err := net.DialTimeout("tcp", target, 5*time.Second)
		if err != nil {
			p.drop(pair)
			continue
		}
		pair.server = s
		p.wg.Add(2)
		go p.pipe(pair, s, c)
		go p.pipe(pair, c, s)
	}
}

// pipe copies src to dst until either ends, dropping what it reads while the pair is held
// (dst nil: always dropped).
func (p *faultProxy) pipe(pair *proxyPair, dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && dst != nil && !pair.held.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
			if src == pair.server {
				p.down.Add(int64(n))
			}
		}
		if err != nil {
			break
		}
	}
	if pair.held.Load() {
		// A held connection ends only by the proxy's reset (or the client's close).
		p.drop(pair)
		return
	}
	p.end(pair, false)
}

// end closes both sides of a pair once: gracefully, or with RST.
func (p *faultProxy) end(pair *proxyPair, rst bool) {
	pair.once.Do(func() {
		for _, c := range []net.Conn{pair.client, pair.server} {
			if c == nil {
				continue
			}
			if rst {
				reset(c)
			} else {
				c.Close()
			}
		}
	})
	p.mu.Lock()
	delete(p.pairs, pair)
	p.mu.Unlock()
}

func (p *faultProxy) drop(pair *proxyPair) { p.end(pair, true) }

// reset closes c with an RST rather than a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// resetAll resets every connection; mu must not be held.
func (p *faultProxy) resetAll() {
	p.mu.Lock()
	pairs := make([]*proxyPair, 0, len(p.pairs))
	for pair := range p.pairs {
		pairs = append(pairs, pair)
	}
	p.mu.Unlock()
	for _, pair := range pairs {
		p.end(pair, true)
	}
}

// Reset resets every connection the proxy has, with RST; new connections pass.
func (p *faultProxy) Reset() { p.resetAll() }

// Refuse resets every connection and closes the port, so that new connections are refused
// until Pass.
func (p *faultProxy) Refuse() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.resetAll()
}

// Blackhole makes every connection, those the proxy has and those it accepts from now on,
// silent: nothing is forwarded either way, nothing is closed.
func (p *faultProxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blackhol, p.heldAt = true, time.Time{}
	for pair := range p.pairs {
		pair.held.Store(true)
	}
}

// Pass ends a fault: the port accepts again, and connections held by a blackhole are reset
// (the bytes they dropped are lost, so they cannot go on; a real network would have its
// peers time out).
func (p *faultProxy) Pass() {
	p.mu.Lock()
	wasHole := p.blackhol
	p.blackhol = false
	relisten := p.ln == nil && !p.closed
	p.mu.Unlock()
	if wasHole {
		p.mu.Lock()
		var held []*proxyPair
		for pair := range p.pairs {
			if pair.held.Load() {
				held = append(held, pair)
			}
		}
		p.mu.Unlock()
		for _, pair := range held {
			p.end(pair, true)
		}
	}
	if !relisten {
		return
	}
	// The same port again; it may take a moment to be free.
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Errorf("proxy: listen again on %s: %v", p.addr, err)
		return
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go p.acceptLoop(ln)
}

func (p *faultProxy) close() {
	p.mu.Lock()
	p.closed = true
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.resetAll()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("proxy: copies still running 10 s after close")
	}
}

// blackholed reports whether a blackhole is on.
func (p *faultProxy) blackholed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.blackhol
}
