package cellfmt_test

import (
	"math"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
)

var (
	general  = cellfmt.Format{Kind: cellfmt.General}
	date     = cellfmt.Format{Kind: cellfmt.Date}
	dateTime = cellfmt.Format{Kind: cellfmt.DateTime}
	clock    = cellfmt.Format{Kind: cellfmt.Time}
	elapsed  = cellfmt.Format{Kind: cellfmt.Time, Elapsed: true}
	percent  = cellfmt.Format{Kind: cellfmt.Percent}
	text     = cellfmt.Format{Kind: cellfmt.Text}
)

func zeroPad(width int) cellfmt.Format { return cellfmt.Format{Kind: cellfmt.ZeroPad, Width: width} }

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		code string
		want cellfmt.Format
	}{
		{"General", general},
		{"GENERAL", general},
		{"", general},
		{"0", general},
		{"0.00", general},
		{"#,##0.00", general},
		{"#,##0.00;[Red]-#,##0.00", general},
		{"[$€-407] #,##0.00", general},
		// Scientific: its E is an exponent, not an era.
		{"0.00E+00", general},
		{"##0.0E-0", general},
		{"@", text},
		{"0000", zeroPad(4)},
		{"00000", zeroPad(5)},
		{"[Red]0000", zeroPad(4)},
		{strings.Repeat("0", 255), zeroPad(255)},
		{strings.Repeat("0", 256), general},
		// Quoted literals decorate, and their letters are no date parts:
		// the E, x and t of "Ext. " do not make a date.
		{`"Ext. "0000`, general},
		{`"day "0`, general},
		{`0" days"`, general},
		{"0%", percent},
		{"0.00%", percent},
		{"yyyy-mm-dd", date},
		{"MM/DD/YY", date},
		{"DD.MM.YYYY", date},
		{"d-mmm-yy", date},
		{"[$-409]mmmm d, yyyy", date},
		{"yyyy-mm-dd;@", date},
		{"[$-F800]dddd, mmmm dd, yyyy", date},
		{"ge.m.d", date},
		{"d/m/yyyy h:mm", dateTime},
		{"yyyy-mm-dd hh:mm:ss", dateTime},
		{"h:mm", clock},
		{"hh:mm:ss", clock},
		{"h:mm AM/PM", clock},
		// m beside seconds is minutes.
		{"mm:ss", clock},
		{"[h]:mm:ss", elapsed},
		{"[mm]:ss", elapsed},
		{"[hh]:mm", elapsed},
	} {
		if got := cellfmt.Classify(c.code); got != c.want {
			t.Errorf("Classify(%q) = %+v, want %+v", c.code, got, c.want)
		}
	}
}

func TestBuiltin(t *testing.T) {
	for _, c := range []struct {
		id   int
		want cellfmt.Format
	}{
		{0, general},  // General
		{1, general},  // 0
		{4, general},  // #,##0.00
		{9, percent},  // 0%
		{10, percent}, // 0.00%
		{11, general}, // 0.00E+00
		{14, date},    // m/d/yyyy
		{17, date},    // mmm-yy
		{18, clock},   // h:mm AM/PM
		{20, clock},   // h:mm
		{22, dateTime},
		{45, clock}, // mm:ss
		{49, text},  // @
		{164, general},
	} {
		if got := cellfmt.Builtin(c.id); got != c.want {
			t.Errorf("Builtin(%d) = %+v, want %+v", c.id, got, c.want)
		}
	}
}

func TestValue(t *testing.T) {
	for _, c := range []struct {
		name     string
		format   cellfmt.Format
		value    float64
		date1904 bool
		want     string
	}{
		{"general integer", general, 1001, false, "1001"},
		{"general fraction", general, 0.1 + 0.2, false, "0.3"},
		{"text", text, 42, false, "42"},
		{"date", date, 45000, false, "2023-03-15"},
		{"date drops the time", date, 45000.75, false, "2023-03-15"},
		{"date 1904", date, 45000, true, "2027-03-16"},
		{"first day 1904", date, 0, true, "1904-01-01"},
		{"first day", date, 1, false, "1900-01-01"},
		// Excel counts a 29 February 1900 that never was, serial 60.
		{"before the false leap day", date, 59, false, "1900-02-28"},
		{"after the false leap day", date, 61, false, "1900-03-01"},
		{"last day", date, 2958465, false, "9999-12-31"},
		{"negative is no date", date, -1, false, "-1"},
		{"past 9999 is no date", date, 2958467, false, "2958467"},
		{"date and time", dateTime, 45000.75, false, "2023-03-15 18:00:00"},
		{"date and time at midnight", dateTime, 45000, false, "2023-03-15"},
		{"rounded to the next day", dateTime, 45000.999999999, false, "2023-03-16"},
		{"time", clock, 0.5, false, "12:00:00"},
		{"time with seconds", clock, 0.75 + 30.0/86400, false, "18:00:30"},
		{"time of a date", clock, 45000.25, false, "06:00:00"},
		{"elapsed over a day", elapsed, 1.5, false, "36:00:00"},
		{"elapsed over days", elapsed, 2.25 + 90.0/86400, false, "54:01:30"},
		{"elapsed under a day", elapsed, 0.5, false, "12:00:00"},
		{"percent", percent, 0.5, false, "50%"},
		{"percent fraction", percent, 0.125, false, "12.5%"},
		{"percent float noise", percent, 0.07, false, "7%"},
		{"percent whole", percent, 1, false, "100%"},
		{"zero pad", zeroPad(4), 42, false, "0042"},
		{"zero pad zero", zeroPad(4), 0, false, "0000"},
		{"zero pad wider", zeroPad(4), 12345, false, "12345"},
		{"zero pad fraction", zeroPad(4), 4.5, false, "4.5"},
		{"zero pad negative", zeroPad(4), -3, false, "-3"},
	} {
		if got := c.format.Value(c.value, c.date1904); got != c.want {
			t.Errorf("%s: %+v.Value(%v, %v) = %q, want %q", c.name, c.format, c.value, c.date1904, got, c.want)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		value float64
		want  string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1001, "1001"},
		{-2.5, "-2.5"},
		{0.1 + 0.2, "0.3"},
		{2.0 / 3, "0.666666666666667"},
		{1234567.891, "1234567.891"},
		{4915112345678, "4915112345678"},
		{1e15, "1000000000000000"},
		// At most 15 significant digits, as Excel shows them.
		{123456789012345678, "123456789012346000"},
		{0.0000015, "0.0000015"},
		{1e-10, "1E-10"},
		{1e21, "1E+21"},
		{-1.5e22, "-1.5E+22"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
	} {
		if got := cellfmt.Number(c.value); got != c.want {
			t.Errorf("Number(%v) = %q, want %q", c.value, got, c.want)
		}
	}
}

// FuzzClassify checks that any format code classifies without a panic, to a
// format whose Value writes something for any number.
func FuzzClassify(f *testing.F) {
	for _, code := range []string{"General", "0000", `"Ext. "0000`, "[h]:mm:ss", "[$-409]mmmm d, yyyy", "0.00E+00", "[", `"`, `\`, "0;"} {
		f.Add(code, 45000.5)
	}
	f.Fuzz(func(t *testing.T, code string, v float64) {
		format := cellfmt.Classify(code)
		if format.Kind == cellfmt.ZeroPad && (format.Width < 2 || format.Width > 255) {
			t.Errorf("Classify(%q) = %+v", code, format)
		}
		if s := format.Value(v, false); s == "" {
			t.Errorf("Classify(%q).Value(%v) is empty", code, v)
		}
	})
}
