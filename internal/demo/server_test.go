package demo

import (
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestServer(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	srv, err := StartServer(team.Users(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Load(team); err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(srv.Host()); ip == nil || !ip.IsLoopback() {
		t.Errorf("server listens on %s, not loopback", srv.Addr())
	}

	want := map[string]uint32{}
	for _, m := range team.Mailboxes["bob"] {
		want[m.Folder]++
	}
	c, err := imapclient.DialInsecure(srv.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bob", "wrong").Wait(); err == nil {
		t.Error("login with a wrong password succeeded")
	}
	if err := c.Login("bob", srv.Password("bob")).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	var validity uint32
	for _, folder := range []string{Inbox, Sent} {
		st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, UIDValidity: true, UIDNext: true}).Wait()
		if err != nil {
			t.Fatalf("status %s: %v", folder, err)
		}
		if *st.NumMessages != want[folder] || uint32(st.UIDNext) != want[folder]+1 {
			t.Errorf("%s holds %d messages (uidnext %d), want %d", folder, *st.NumMessages, st.UIDNext, want[folder])
		}
		validity = st.UIDValidity
	}
	sel, err := c.Select(Sent, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.UIDValidity != validity || validity <= 2 {
		t.Errorf("UIDVALIDITY: select %d, status %d; want the same, past the backend's own", sel.UIDValidity, validity)
	}

	// A delivered email lands in every copy's folder.
	e := NewLive(team, DefaultSeed).Next(testNow)
	if err := srv.Deliver(e); err != nil {
		t.Fatal(err)
	}
	for _, cp := range e.Copies {
		if cp.User != "bob" {
			continue
		}
		st, err := c.Status(cp.Folder, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil || *st.NumMessages != want[cp.Folder]+1 {
			t.Errorf("after delivery %s holds %v messages (%v), want %d", cp.Folder, st, err, want[cp.Folder]+1)
		}
	}
	c.Logout().Wait()

	srv2, err := StartServer(team.Users(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if srv2.Password("bob") == srv.Password("bob") || srv.Password("bob") == "" {
		t.Error("passwords are not generated per server")
	}
}
