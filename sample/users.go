package sample

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sheet"
)

// Resources a sample can include besides the users themselves.
const (
	WithLines     = "lines"
	WithVoicemail = "voicemail"
	WithIncalls   = "incalls"
	WithGroups    = "groups"
	WithRooms     = "rooms"
)

// Options shape a generated file.
type Options struct {
	Rows int
	// With lists the resources to include (WithLines, …).
	With []string
	// Seed makes the file reproducible.
	Seed uint64
}

// Names from many scripts, some with accents, as a multinational HR export
// has them. Each entry is firstname, lastname.
var names = [][2]string{
	{"James", "Smith"}, {"Amélie", "Poulain"}, {"Søren", "Kierkegaard"}, {"Олена", "Коваль"}, {"Zhang", "Wei"},
	{"María José", "García López"}, {"Jürgen", "Müller"}, {"Ελένη", "Παπαδοπούλου"}, {"Chloé", "Lefèvre"},
	{"Dmitri", "Иванов"}, {"Aoife", "O'Brien"}, {"João", "Gonçalves"}, {"Zoë", "Van der Berg"}, {"Łukasz", "Wiśniewski"},
	{"Ngozi", "Okafor"}, {"Priya", "Raghunathan"}, {"Hiroshi", "Tanaka"}, {"Fatima", "Al-Sayed"}, {"Åsa", "Lindqvist"},
	{"İbrahim", "Yılmaz"}, {"Nguyễn", "Thị Hoa"}, {"Kwame", "Mensah"}, {"Siobhán", "Ní Bhriain"}, {"Ana", "Horvat"},
	{"Mateo", "Fernández"}, {"Ingrid", "Bergström"}, {"Tomás", "Dvořák"}, {"Leilani", "Kahale"}, {"Oğuz", "Demir"},
	{"Rafael", "Nadal Parera"}, {"Мария", "Петрова"}, {"Σοφία", "Νικολάου"}, {"Chen", "Jing"}, {"Ravi", "Shankar"},
}

var departments = []string{"IT", "Sales", "Support", "Finance", "HR", "Marketing", "Legal", "Operations", "R&D", "Logistics",
	"Procurement", "Quality", "Facilities", "Security", "Training"}

var rooms = []string{"General", "Announcements", "Random", "Help Desk", "Project Atlas", "Project Borealis", "Night Shift",
	"Paris Office", "Berlin Office", "Kyiv Office"}

// firstNumber of the extra ranges a big sample needs: eight digits, so
// that a range holds up to 90 million numbers of the same length.
const firstNumber = 10_000_000

// Write generates opt.Rows users into w. When the default contexts cannot
// hold the numbers, it returns the reference data to apply first (roster
// setup); otherwise nil.
func Write(w sheet.Writer, opt Options) (*roster.Reference, error) {
	with := func(what string) bool { return slices.Contains(opt.With, what) }
	for _, what := range opt.With {
		if !slices.Contains([]string{WithLines, WithVoicemail, WithIncalls, WithGroups, WithRooms}, what) {
			return nil, fmt.Errorf("--with takes lines, voicemail, incalls, groups and rooms, not %q", what)
		}
	}
	big := opt.Rows > 1000
	header := []string{"username", "firstname", "lastname", "email", "mobile_phone_number"}
	if with(WithGroups) {
		header = append(header, "groups")
	}
	if with(WithRooms) {
		header = append(header, "rooms")
	}
	if with(WithLines) {
		header = append(header, "line_protocol", "context", "exten")
	}
	if with(WithVoicemail) {
		header = append(header, "voicemail_name", "voicemail_number", "voicemail_context")
	}
	if with(WithIncalls) {
		header = append(header, "incall_exten", "incall_context")
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	protocols := []string{"sip", "sip", "sip", "webrtc", "sccp"}
	row := make([]string, 0, len(header))
	for i := range opt.Rows {
		n := names[rng.IntN(len(names))]
		user := asciiName(n[0], n[1], i)
		row = append(row[:0], user, n[0], n[1], user+"@example.com",
			fmt.Sprintf("+33 6 %02d %02d %02d %02d", rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100)))
		if with(WithGroups) {
			g := departments[rng.IntN(len(departments))]
			if rng.IntN(3) == 0 {
				if other := departments[rng.IntN(len(departments))]; other != g {
					g += "," + other
				}
			}
			row = append(row, g)
		}
		if with(WithRooms) {
			row = append(row, rooms[rng.IntN(len(rooms))])
		}
		exten := strconv.Itoa(1000 + i)
		if big {
			exten = strconv.Itoa(firstNumber + i)
		}
		if with(WithLines) {
			row = append(row, protocols[rng.IntN(len(protocols))], "default", exten)
		}
		if with(WithVoicemail) {
			row = append(row, strings.TrimSpace(n[0]+" "+n[1]), exten, "default")
		}
		if with(WithIncalls) {
			in := strconv.Itoa(2000 + i)
			if big {
				in = strconv.Itoa(2*firstNumber + i)
			}
			row = append(row, in, "from-extern")
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	if !big || !(with(WithLines) || with(WithIncalls)) {
		return nil, nil
	}
	ref := roster.DefaultReference()
	t := &ref.Tenants[0]
	t.Contexts[0].Ranges = append(t.Contexts[0].Ranges, fmt.Sprintf("%d-%d", firstNumber, firstNumber+opt.Rows-1))
	t.Contexts[1].Ranges = append(t.Contexts[1].Ranges, fmt.Sprintf("%d-%d", 2*firstNumber, 2*firstNumber+opt.Rows-1))
	for i := range t.Contexts {
		t.Contexts[i].ID = 0
	}
	t.ID = 0
	return ref, nil
}

// asciiName makes a unique username from a name: letters of the Latin
// alphabet where the name has them, and the row number.
func asciiName(first, last string, i int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(first + "." + last) {
		switch {
		case r >= 'a' && r <= 'z', r == '.':
			b.WriteRune(r)
		case r > 127:
			if s, ok := latin[r]; ok {
				b.WriteString(s)
			}
		}
	}
	base := strings.Trim(b.String(), ".")
	if len(base) < 3 {
		base = "user"
	}
	return base + strconv.Itoa(i+1)
}

var latin = map[rune]string{'é': "e", 'è': "e", 'ø': "o", 'ü': "u", 'ö': "o", 'ç': "c", 'ã': "a", 'å': "a", 'ł': "l",
	'ś': "s", 'ñ': "n", 'í': "i", 'á': "a", 'ó': "o", 'ë': "e", 'ř': "r", 'ğ': "g", 'ı': "i", 'ş': "s", 'ễ': "e", 'ị': "i"}
