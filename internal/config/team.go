package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Keys known in the team section.
var (
	teamKeys   = []string{"domains", "members"}
	memberKeys = []string{"email", "name", "role"}
)

// roles are the member roles allowed, in the order messages list them.
var roles = []string{RoleRep, RoleLeader, RoleAdmin}

// team decodes the team section: its domains and members.
func (d *decoder) team(v value) Team {
	var t Team
	m, ok := d.mapping(v, teamKeys)
	if !ok {
		return t
	}
	if dv := m.at("domains"); d.required(dv) {
		t.Domains = d.domains(dv)
	}
	if mv := m.at("members"); d.required(mv) {
		t.Members = d.members(mv)
	}
	return t
}

// domains decodes the team's own domains: at least one.
func (d *decoder) domains(v value) []string {
	if v.node.Kind == yaml.SequenceNode && len(v.node.Content) == 0 {
		d.errorf(v, "list at least one domain of the team")
	}
	return d.domainList(v)
}

// domainList decodes a list of unique domain names, lower-cased.
func (d *decoder) domainList(v value) []string {
	return d.uniqueList(v, "domain", true, func(s string) string {
		switch {
		case strings.HasPrefix(s, "@"):
			return fmt.Sprintf("write the domain without @, as %q", s[1:])
		case !validDomain(s):
			return fmt.Sprintf("%q is not a valid domain name", s)
		}
		return ""
	})
}

// addressList decodes a list of unique bare email addresses, lower-cased.
func (d *decoder) addressList(v value) []string {
	return d.uniqueList(v, "address", true, func(s string) string {
		if !validEmail(s) {
			return fmt.Sprintf("%q is not a valid email address", s)
		}
		return ""
	})
}

// uniqueList decodes a list of non-empty, unique strings (lower-cased
// first when lower is set). check says what is wrong with an item, or "";
// what names an item in the duplicate message.
func (d *decoder) uniqueList(v value, what string, lower bool, check func(string) string) []string {
	items, _ := d.list(v)
	seen := map[string]int{}
	var out []string
	for _, item := range items {
		s, ok := d.requiredText(item)
		if !ok {
			continue
		}
		if lower {
			s = strings.ToLower(s)
		}
		if problem := check(s); problem != "" {
			d.errorf(item, "%s", problem)
			continue
		}
		if first := seen[s]; first > 0 {
			d.errorf(item, "duplicate %s %q (first on line %d)", what, s, first)
			continue
		}
		seen[s] = item.line
		out = append(out, s)
	}
	return out
}

// members decodes the team members; emails are lower-cased and unique.
func (d *decoder) members(v value) []Member {
	items, ok := d.list(v)
	if ok && len(v.node.Content) == 0 {
		d.errorf(v, "list at least one member of the team")
	}
	seen := map[string]int{}
	var out []Member
	for _, item := range items {
		mem, ok := d.member(item)
		if !ok {
			continue
		}
		if first := seen[mem.Email]; first > 0 {
			d.errorf(value{path: item.path + ".email", line: item.line},
				"duplicate member %s (first on line %d)", mem.Email, first)
			continue
		}
		seen[mem.Email] = item.line
		out = append(out, mem)
	}
	return out
}

// member decodes one team member.
func (d *decoder) member(v value) (Member, bool) {
	var mem Member
	m, ok := d.mapping(v, memberKeys)
	if !ok {
		return mem, false
	}
	ev := m.at("email")
	email, ok := d.requiredText(ev)
	if ok {
		email = strings.ToLower(email)
		if !validEmail(email) {
			d.errorf(ev, "%q is not a valid email address", email)
			ok = false
		}
	}
	mem.Email = email
	if nv := m.at("name"); nv.present() {
		mem.Name, _ = d.text(nv)
	}
	mem.Role = RoleRep
	if rv := m.at("role"); rv.present() {
		role, valid := d.requiredText(rv)
		role = strings.ToLower(role)
		if valid && !slices.Contains(roles, role) {
			d.errorf(rv, "unknown role %q (allowed: %s)", role, strings.Join(roles, ", "))
		}
		mem.Role = role
	}
	return mem, ok
}
