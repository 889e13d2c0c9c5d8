package crm

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

const header = "id,name,account,domains,contacts,owner,stage,status,amount,created,closed"

// good is a valid row; the error table puts a bad row after it.
const good = "D-1,Pilot,Acme,acme.example,cto@acme.example,rep1@ourco.example,proposal,open,12000,2026-01-05,"

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

func TestReadDealsGoodFile(t *testing.T) {
	// A BOM, CRLF line ends, columns reordered with odd case and spaces,
	// quoted fields holding commas, quotes and a line break (read as \n),
	// a blank line.
	in := "\uFEFFID, Name ,Account,Domains,Contacts,Owner,Stage,STATUS,Amount,Created,Closed\r\n" +
		`D-100,"Acme, Inc. pilot",Acme,"Acme.example; mail.acme.example;;acme.example","CTO@Acme.example; buyer@gmail.com",Rep1@OurCo.example,"proposal ""B""",Open,12000.50,2026-01-05,` + "\r\n" +
		"\r\n" +
		`D-101,"Two` + "\r\n" + `lines",Initech,,,rep2@ourco.example,closed,WON,,2026-02-01,2026-03-15` + "\r\n"
	got, err := ReadDeals(strings.NewReader(in), "deals.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Deal{
		{ID: "D-100", Name: "Acme, Inc. pilot", Account: "Acme", Domains: []string{"acme.example", "mail.acme.example"},
			Contacts: []string{"cto@acme.example", "buyer@gmail.com"}, Owner: "rep1@ourco.example", Stage: `proposal "B"`,
			Status: model.DealOpen, Amount: 12000.50, Created: day(1, 5)},
		{ID: "D-101", Name: "Two\nlines", Account: "Initech", Owner: "rep2@ourco.example", Stage: "closed",
			Status: model.DealWon, Created: day(2, 1), Closed: day(3, 15)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadDeals:\n got  %+v\n want %+v", got, want)
	}
}

func TestReadDealsColumnOrder(t *testing.T) {
	in := "closed,created,amount,status,stage,owner,contacts,domains,account,name,id\n" +
		",2026-01-05,7,lost,x,rep1@ourco.example,,,Acme,Pilot,D-1\n"
	_, err := ReadDeals(strings.NewReader(in), "deals.csv")
	want := `deals.csv:2: closed: must be set for a deal that is lost`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestReadDealsErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty file", "", "deals.csv: empty file, no header row"},
		{"only a BOM", "\uFEFF", "deals.csv: empty file, no header row"},
		{"unknown and missing columns", "id,name,account,domains,contacts,owner,region,status,amount,created\n",
			`deals.csv:1: header: unknown columns "region"; missing columns stage, closed (want ` + header + ")"},
		{"column named twice", header + ",ID\n",
			`deals.csv:1: header: columns named twice: id (want ` + header + ")"},
		{"field count", header + "\n" + good + "\nD-2,Pilot\n", "deals.csv:3: 2 fields, but the header has 11"},
		{"bare quote", header + "\n" + good + "\nD-2,Pi\"lot,Acme,,,rep1@ourco.example,x,open,,2026-01-05,\n",
			`deals.csv:3: bare " in non-quoted-field (nothing after this line was read)`},
		{"unterminated quote", header + "\n" + good + "\nD-2,\"Pilot,Acme\n",
			`deals.csv:3: extraneous or missing " in quoted-field (nothing after this line was read)`},
		{"empty id", badRow("id", ""), "deals.csv:3: id: must not be empty"},
		{"empty name", badRow("name", " "), "deals.csv:3: name: must not be empty"},
		{"empty account", badRow("account", ""), "deals.csv:3: account: must not be empty"},
		{"domain without dot", badRow("domains", "acme.example;acme"), `deals.csv:3: domains: "acme" is not a domain`},
		{"domain with @", badRow("domains", "sales@acme.example"), `deals.csv:3: domains: "sales@acme.example" is not a domain`},
		{"domain with space", badRow("domains", "acme example.com"), `deals.csv:3: domains: "acme example.com" is not a domain`},
		{"domain as URL", badRow("domains", "https://acme.example/"), `deals.csv:3: domains: "https://acme.example/" is not a domain`},
		{"bad contact", badRow("contacts", "cto@acme.example; Bob <bob@acme.example>"),
			`deals.csv:3: contacts: "Bob <bob@acme.example>" is not an email address`},
		{"contact without @", badRow("contacts", "bob"), `deals.csv:3: contacts: "bob" is not an email address`},
		{"empty owner", badRow("owner", ""), "deals.csv:3: owner: must not be empty"},
		{"bad owner", badRow("owner", "Rep1"), `deals.csv:3: owner: "Rep1" is not an email address`},
		{"amount with unit", badRow("amount", "12k"), `deals.csv:3: amount: "12k" is not a decimal number such as 12000 or 12000.50`},
		{"negative amount", badRow("amount", "-5"), `deals.csv:3: amount: "-5" is not a decimal number such as 12000 or 12000.50`},
		{"amount with exponent", badRow("amount", "1e5"), `deals.csv:3: amount: "1e5" is not a decimal number such as 12000 or 12000.50`},
		{"amount with separator", badRow("amount", "12,000"), `deals.csv:3: amount: "12,000" is not a decimal number such as 12000 or 12000.50`},
		{"empty created", badRow("created", ""), "deals.csv:3: created: must not be empty"},
		{"bad created", badRow("created", "2026/01/05"), `deals.csv:3: created: "2026/01/05" is not a date (YYYY-MM-DD)`},
		{"impossible date", badRow("created", "2026-02-30"), `deals.csv:3: created: "2026-02-30" is not a date (YYYY-MM-DD)`},
		{"bad status", badRow("status", "pending"), `deals.csv:3: status: "pending" is not open, won or lost`},
		{"empty status", badRow("status", ""), `deals.csv:3: status: must not be empty`},
		{"closed while open", badRow("closed", "2026-02-01"), `deals.csv:3: closed: "2026-02-01" must be empty while the deal is open`},
		{"won without closed", badRow("status", "won"), "deals.csv:3: closed: must be set for a deal that is won"},
		{"bad closed", badRow("status", "lost", "closed", "soon"), `deals.csv:3: closed: "soon" is not a date (YYYY-MM-DD)`},
		{"closed before created", badRow("status", "lost", "closed", "2026-01-04"), "deals.csv:3: closed: 2026-01-04 is before created 2026-01-05"},
		{"duplicate id", badRow("id", "D-1"), `deals.csv:3: id: "D-1" is already on line 2`},
		{"domain of another account", badRow("account", "Other", "domains", "other.example;ACME.example"),
			`deals.csv:3: domains: acme.example belongs to account "Acme" on line 2`},
		{"several problems, every bad row", header + "\n" +
			"D-1,Pilot,Acme,acme,,rep1@ourco.example,x,pending,,2026-01-05,\n" + good + "\n" +
			"\n" +
			",Pilot,Acme,,,rep1@ourco.example,x,open,12k,2026-01-05,\n",
			`deals.csv:2: domains: "acme" is not a domain` + "\n" +
				`deals.csv:2: status: "pending" is not open, won or lost` + "\n" +
				`deals.csv:3: id: "D-1" is already on line 2` + "\n" +
				`deals.csv:5: id: must not be empty` + "\n" +
				`deals.csv:5: amount: "12k" is not a decimal number such as 12000 or 12000.50`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deals, err := ReadDeals(strings.NewReader(tt.in), "deals.csv")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n got  %v\n want %s", err, tt.want)
			}
			if deals != nil {
				t.Errorf("a bad file returned deals: %+v", deals)
			}
		})
	}
}

// badRow returns a file whose line 2 is the good row and line 3 a copy of it
// with some columns (pairs of name and value) changed and ID D-2.
func badRow(changes ...string) string {
	cells := strings.Split(good, ",")
	cells[0] = "D-2"
	cols := strings.Split(header, ",")
	for i := 0; i < len(changes); i += 2 {
		for j, c := range cols {
			if c == changes[i] {
				cells[j] = changes[i+1]
			}
		}
	}
	for j, c := range cells {
		if strings.ContainsAny(c, ",\"") {
			cells[j] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
	}
	return header + "\n" + good + "\n" + strings.Join(cells, ",") + "\n"
}

func TestReadDealsCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range maxErrors + 10 {
		fmt.Fprintf(&b, "D-%d,Pilot,Acme,,,rep1@ourco.example,x,pending,,2026-01-05,\n", i)
	}
	_, err := ReadDeals(strings.NewReader(b.String()), "deals.csv")
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("error %v is not a joined error", err)
	}
	errs := joined.Unwrap()
	if len(errs) != maxErrors+1 || errs[maxErrors].Error() != "deals.csv: 10 more errors not shown" {
		t.Errorf("got %d errors, last %v", len(errs), errs[len(errs)-1])
	}
	var le *LineError
	if !errors.As(errs[0], &le) || le.Line != 2 || le.File != "deals.csv" {
		t.Errorf("first error %v, want a LineError on line 2", errs[0])
	}
}

func FuzzReadDeals(f *testing.F) {
	f.Add(header + "\n" + good + "\n")
	f.Add("\uFEFF" + header + "\r\n\"D-1\",\"a,b\",x,,,r@o.example,,won,1.5,2026-01-01,2026-01-02\r\n")
	f.Add(header + "\nD-2,\"Pi\"lot\n")
	f.Fuzz(func(t *testing.T, in string) {
		deals, err := ReadDeals(strings.NewReader(in), "deals.csv")
		if err != nil && deals != nil {
			t.Errorf("error %v with %d deals", err, len(deals))
		}
	})
}
