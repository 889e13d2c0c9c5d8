package calsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// ConfigKeyAllowPrivate is the configuration that lets calendar sources
// reach private, loopback and link-local addresses; errors name it.
const ConfigKeyAllowPrivate = "calendar: {allow_private_networks: true}"

// ErrPrivateDestination is matched (errors.Is) by the error of a request
// refused because its destination address is not public.
var ErrPrivateDestination = errors.New("private destination")

// PrivateDestinationError reports a connection refused because the
// address it would go to is private, loopback, link-local, unique-local,
// unspecified or multicast, and private networks are not allowed.
type PrivateDestinationError struct {
	Host string     // the host name asked for
	Addr netip.Addr // the address it resolved to
	Kind string     // "loopback", "private", "link-local"...
}

// Error says what was refused and which configuration allows it.
func (e *PrivateDestinationError) Error() string {
	dest := e.Addr.String()
	if e.Host != "" && e.Host != dest {
		dest = e.Host + " (" + dest + ")"
	}
	return fmt.Sprintf("destination %s is a %s address: private destinations are refused unless the config sets %s",
		dest, e.Kind, ConfigKeyAllowPrivate)
}

// Is makes errors.Is(err, ErrPrivateDestination) true.
func (e *PrivateDestinationError) Is(target error) bool { return target == ErrPrivateDestination }

// Resolver looks up the addresses of a host; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialFunc connects to an address ("IP:port") that was already checked.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// netConfig is what the HTTP feed and CalDAV share about reaching a
// server.
type netConfig struct {
	allowPrivate bool
	timeout      time.Duration
	resolver     Resolver
	dial         DialFunc
	tlsConfig    *tls.Config
	// reconnectEachPoll is for a source whose polls are further apart
	// than servers keep an idle connection (the ICS feed), so that each
	// poll opens a connection: it makes that cheap, with HTTP/1.1 only
	// and resumed TLS sessions that offer an X25519 key share (see
	// tlsDialer).
	reconnectEachPoll bool
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598),
// private in all but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// privateKind returns why a is not a public unicast address, or "" when it
// is one.
func privateKind(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a.Is4() && a.IsPrivate():
		return "private"
	case a.Is6() && a.IsPrivate():
		return "unique-local"
	case cgnat.Contains(a):
		return "shared (carrier-grade NAT)"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	case a.Is4() && a.As4()[0] == 0:
		return "\"this network\""
	}
	return ""
}

// guardedDialer resolves host names itself and dials only addresses the
// configuration allows, so a name that resolves to an internal address
// (DNS rebinding, or a redirect to one) is refused whatever the URL said.
// It counts the bytes read from and written to every connection.
type guardedDialer struct {
	allowPrivate bool
	resolver     Resolver
	dial         DialFunc
	read         atomic.Int64
	written      atomic.Int64
}

// newGuardedDialer returns the dialer for cfg. Without a test hook, the
// connection is made by a net.Dialer whose Control checks the address
// once more just before connecting.
func newGuardedDialer(cfg netConfig) *guardedDialer {
	g := &guardedDialer{allowPrivate: cfg.allowPrivate, resolver: cfg.resolver, dial: cfg.dial}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	if g.dial == nil {
		d := &net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second}
		if !cfg.allowPrivate {
			d.Control = controlPublicOnly
		}
		g.dial = d.DialContext
	}
	return g
}

// controlPublicOnly refuses a socket about to connect to a non-public
// address.
func controlPublicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("unexpected dial address %q: %w", address, err)
	}
	if kind := privateKind(ap.Addr()); kind != "" {
		return &PrivateDestinationError{Addr: ap.Addr().Unmap(), Kind: kind}
	}
	return nil
}

// DialContext resolves address's host, drops the addresses that are not
// allowed and dials the others in turn.
func (g *guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port in %q", address)
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("lookup %s: no addresses", host)
		}
	}
	var refused *PrivateDestinationError
	var lastErr error
	for _, a := range addrs {
		a = a.Unmap()
		if kind := privateKind(a); kind != "" && !g.allowPrivate {
			if refused == nil {
				refused = &PrivateDestinationError{Host: host, Addr: a, Kind: kind}
			}
			continue
		}
		conn, err := g.dial(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return &countingConn{Conn: conn, read: &g.read, written: &g.written}, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	if lastErr == nil && refused != nil {
		return nil, refused
	}
	return nil, lastErr
}

// countingConn counts what goes over a connection.
type countingConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.written.Add(int64(n))
	return n, err
}

// newTransport returns the HTTP transport of one source: guarded dials,
// timeouts on every step, no proxy from the environment (a proxy would
// dial the destination out of our sight), TLS sessions resumed so a poll
// over a new connection does not download the certificate chain again,
// and gzip asked for (and undone) transparently.
func newTransport(cfg netConfig, g *guardedDialer) *http.Transport {
	tlsConf := &tls.Config{}
	if cfg.tlsConfig != nil {
		tlsConf = cfg.tlsConfig.Clone()
	}
	if tlsConf.MinVersion == 0 {
		tlsConf.MinVersion = tls.VersionTLS12
	}
	if tlsConf.ClientSessionCache == nil {
		tlsConf.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   cfg.timeout,
		ResponseHeaderTimeout: cfg.timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
	}
	if cfg.reconnectEachPoll {
		// One request per connection: HTTP/2 would only add its
		// preface, settings and window updates (about 140 bytes).
		t.ForceAttemptHTTP2 = false
		t.Protocols = new(http.Protocols)
		t.Protocols.SetHTTP1(true)
		d := &tlsDialer{dial: g.DialContext, config: tlsConf, timeout: cfg.timeout}
		t.DialTLSContext = d.DialTLSContext
	}
	return t
}

// resumeGroups are the key exchanges a resumed TLS 1.3 session offers:
// X25519, whose key share is 32 bytes where X25519MLKEM768's is 1,216
// (and the server's answer 1,120 bytes rather than 32). P-256 and P-384
// are for a server without X25519, which asks for one of them with a
// HelloRetryRequest.
var resumeGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}

// tlsDialer makes the TLS connections of a source that opens one per
// poll, the handshake being then most of what an unchanged poll costs.
//
// A full handshake uses Go's default key exchanges, the post-quantum
// hybrid X25519MLKEM768 first, and brings a session ticket. A connection
// that can resume a session offers only an X25519 key share
// (resumeGroups), which saves about 2.3 KB. This keeps the post-quantum
// protection: a resumed TLS 1.3 handshake (psk_dhe_ke) derives its keys
// from both the new X25519 secret and the resumption secret of the
// session it resumes, itself derived from the previous one's, back to
// the full handshake that started the chain, so reading a recorded
// resumed connection takes breaking that handshake's ML-KEM as well as
// X25519. What is given up: the resumption secret also travels in the
// session ticket, encrypted with the server's ticket key, so a server
// whose ticket keys are later stolen, and X25519 broken, exposes the
// resumed connections (an ML-KEM share in each would still protect
// them). For a calendar feed, 2.3 KB a poll is worth that. A connection
// whose server does not resume (ticket expired or refused) would rest
// on X25519 alone: it is closed before it carries anything, the session
// forgotten and the connection made again with the default key
// exchanges. TLS 1.2 has no post-quantum key exchange to lose. A base
// configuration that sets CurvePreferences is used as it is.
//
// The connection goes through dial (the guarded dialer) and its
// certificate is verified as the transport would (ServerName set to the
// host dialed, unless the configuration names one).
type tlsDialer struct {
	dial    DialFunc
	config  *tls.Config // the transport's TLSClientConfig, cloned for each connection
	timeout time.Duration
}

// DialTLSContext connects to addr ("host:port") and completes the TLS
// handshake.
func (d *tlsDialer) DialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	cfg := d.config.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	resuming := false
	if cfg.CurvePreferences == nil && cfg.ClientSessionCache != nil {
		// crypto/tls keys its cache by ServerName.
		if s, ok := cfg.ClientSessionCache.Get(cfg.ServerName); ok && s != nil {
			resuming = true
			cfg.CurvePreferences = resumeGroups
		}
	}
	conn, err := d.handshake(ctx, network, addr, cfg)
	if err != nil {
		return nil, err
	}
	if st := conn.ConnectionState(); !resuming || st.DidResume || st.Version < tls.VersionTLS13 {
		return conn, nil
	}
	// Not resumed: closed before any ticket it brought is read, so the
	// session cache keeps none of its sessions.
	_ = conn.Close()
	cfg.ClientSessionCache.Put(cfg.ServerName, nil)
	cfg.CurvePreferences = nil
	if conn, err = d.handshake(ctx, network, addr, cfg); err != nil {
		return nil, err
	}
	return conn, nil
}

// handshake dials addr and completes a TLS handshake within the timeout.
func (d *tlsDialer) handshake(ctx context.Context, network, addr string, cfg *tls.Config) (*tls.Conn, error) {
	raw, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return conn, nil
}

// withDefault returns v, or def when v is zero or less.
func withDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
