package model

import "testing"

func TestTeamDirection(t *testing.T) {
	team := NewTeam([]string{"ourco.example"}, []string{"Rep1@ourco.example", "contractor@gmail.com"})
	ps := func(emails ...string) []Participant {
		var out []Participant
		for _, e := range emails {
			out = append(out, Participant{Email: e})
		}
		return out
	}
	tests := []struct {
		name string
		from string
		ps   []Participant
		want Direction
	}{
		{"rep writes a buyer", "rep1@ourco.example", ps("rep1@ourco.example", "buyer@acme.example"), Outbound},
		{"buyer writes a rep", "buyer@acme.example", ps("buyer@acme.example", "rep1@ourco.example"), Inbound},
		{"between colleagues", "rep1@ourco.example", ps("rep1@ourco.example", "rep2@ourco.example"), Internal},
		{"subdomain of the team", "it@eu.ourco.example", ps("it@eu.ourco.example", "rep1@ourco.example"), Internal},
		{"member on a free-mail address", "contractor@gmail.com", ps("contractor@gmail.com", "rep1@ourco.example"), Internal},
		{"look-alike domain is external", "x@notourco.example", ps("x@notourco.example", "rep1@ourco.example"), Inbound},
		{"no sender, external recipient", "", ps("buyer@acme.example"), Inbound},
		{"no participants", "", nil, Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := team.Direction(tt.from, tt.ps); got != tt.want {
				t.Errorf("Direction = %s, want %s", got, tt.want)
			}
		})
	}
}
