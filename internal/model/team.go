package model

import "strings"

// Team knows which addresses belong to the sales team itself.
type Team struct {
	domains map[string]bool
	members map[string]bool
}

// NewTeam builds a Team from its own domains and its members' addresses.
func NewTeam(domains, members []string) Team {
	t := Team{domains: map[string]bool{}, members: map[string]bool{}}
	for _, d := range domains {
		t.domains[strings.ToLower(d)] = true
	}
	for _, m := range members {
		t.members[strings.ToLower(m)] = true
	}
	return t
}

// IsMember reports whether addr is a team member's address.
func (t Team) IsMember(addr string) bool { return t.members[strings.ToLower(addr)] }

// IsInternal reports whether addr belongs to the team: a member's address,
// or any address at a team domain or one of its subdomains.
func (t Team) IsInternal(addr string) bool {
	addr = strings.ToLower(addr)
	if t.members[addr] {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	for domain := addr[at+1:]; domain != ""; {
		if t.domains[domain] {
			return true
		}
		dot := strings.IndexByte(domain, '.')
		if dot < 0 {
			break
		}
		domain = domain[dot+1:]
	}
	return false
}

// Direction classifies a message by its sender and participants: internal
// when nobody outside the team took part, outbound when the team sent it,
// inbound otherwise.
func (t Team) Direction(from string, participants []Participant) Direction {
	external := false
	for _, p := range participants {
		if !t.IsInternal(p.Email) {
			external = true
			break
		}
	}
	switch {
	case !external:
		return Internal
	case from != "" && t.IsInternal(from):
		return Outbound
	default:
		return Inbound
	}
}
