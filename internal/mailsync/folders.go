package mailsync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// sentNames are the usual names of the sent folder, for servers that do
// not mark it with the \Sent special use (Exchange Online among them).
var sentNames = []string{
	"Sent", "Sent Items", "Sent Messages", "Sent Mail",
	"[Gmail]/Sent Mail", "[Google Mail]/Sent Mail",
	"INBOX.Sent", "INBOX/Sent", "INBOX.Sent Items", "INBOX.Sent Messages", "INBOX.Sent Mail",
	"Gesendet", "Gesendete Elemente", "Gesendete Objekte", "Envoyés", "Éléments envoyés",
	"Enviados", "Elementos enviados", "Inviata", "Posta inviata", "Verzonden", "Verzonden items",
}

// folderList returns the folders to sync: those configured, or INBOX and
// the sent folder, found once and kept for the next polls.
func (p *poll) folderList(ctx context.Context) ([]string, error) {
	if len(p.w.opts.Mailbox.Folders) > 0 {
		return p.w.opts.Mailbox.Folders, nil
	}
	if p.w.folders != nil {
		return p.w.folders, nil
	}
	folders, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	p.w.folders = folders
	return folders, nil
}

// discover lists the mailboxes and picks INBOX and the sent folder: the
// one with the \Sent special use, else the first well-known name.
func (p *poll) discover(ctx context.Context) ([]string, error) {
	c := p.sess.c
	var opts *imap.ListOptions
	caps := c.Caps()
	if caps.Has(imap.CapSpecialUse) && caps.Has(imap.CapListExtended) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	p.cmds.add("LIST")
	list := c.List("", "*", opts)
	var all []*imap.ListData
	for d := list.Next(); d != nil; d = list.Next() {
		all = append(all, d)
	}
	if err := list.Close(); err != nil {
		return nil, p.cmdErr(ctx, "LIST", err)
	}
	folders := []string{"INBOX"}
	if sent := pickSent(all); sent != "" {
		folders = append(folders, sent)
	} else {
		p.w.log.Info("no sent folder found", "listed", len(all))
	}
	return folders, nil
}

// pickSent chooses the sent folder from a LIST answer.
func pickSent(all []*imap.ListData) string {
	selectable := func(d *imap.ListData) bool {
		return !slices.Contains(d.Attrs, imap.MailboxAttrNoSelect) &&
			!slices.Contains(d.Attrs, imap.MailboxAttrNonExistent) &&
			!strings.EqualFold(d.Mailbox, "INBOX")
	}
	for _, d := range all {
		if selectable(d) && slices.ContainsFunc(d.Attrs, func(a imap.MailboxAttr) bool {
			return strings.EqualFold(string(a), string(imap.MailboxAttrSent))
		}) {
			return d.Mailbox
		}
	}
	// By name: whole name first, then the last level of the hierarchy.
	for _, name := range sentNames {
		for _, d := range all {
			if selectable(d) && strings.EqualFold(d.Mailbox, name) {
				return d.Mailbox
			}
		}
	}
	for _, name := range sentNames {
		for _, d := range all {
			if !selectable(d) || d.Delim == 0 {
				continue
			}
			leaf := d.Mailbox[strings.LastIndex(d.Mailbox, string(d.Delim))+1:]
			if strings.EqualFold(leaf, name) {
				return d.Mailbox
			}
		}
	}
	return ""
}

// statusAll asks STATUS of every folder at once (pipelined). A folder
// whose STATUS failed maps to its error.
func (p *poll) statusAll(ctx context.Context, folders []string) (map[string]*imap.StatusData, map[string]error) {
	cmds := make([]*imapStatus, len(folders))
	for i, f := range folders {
		p.cmds.add("STATUS")
		cmds[i] = &imapStatus{folder: f, cmd: p.sess.c.Status(f, &imap.StatusOptions{
			NumMessages: true, UIDNext: true, UIDValidity: true,
		})}
	}
	out := map[string]*imap.StatusData{}
	errs := map[string]error{}
	for _, s := range cmds {
		d, err := s.cmd.Wait()
		if err != nil {
			errs[s.folder] = p.cmdErr(ctx, "STATUS", err)
			continue
		}
		out[s.folder] = d
	}
	return out, errs
}

type imapStatus struct {
	folder string
	cmd    *imapclient.StatusCommand
}

// cmdErr describes a failed command, telling a lost connection (and a
// stop) from a server's answer.
func (p *poll) cmdErr(ctx context.Context, cmd string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", cmd, ctx.Err())
	}
	if lost := p.sess.lost(); lost != nil {
		return fmt.Errorf("%s: connection lost: %w", cmd, lost)
	}
	return fmt.Errorf("%s: %w", cmd, asServerError(err))
}
