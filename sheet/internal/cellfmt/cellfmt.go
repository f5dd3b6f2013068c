// Package cellfmt turns the numbers stored in spreadsheet cells into the text
// a person reads in them, the same way for every spreadsheet format.
//
// Spreadsheets store dates, times, percentages and plain numbers alike as
// floating-point values and leave the rest to a number format. roster wants
// the value, not the decoration: a plain number reads as Excel's "General"
// shows it (1001, not 1001.0 or 1,001.00), a date as YYYY-MM-DD, a time as
// HH:MM:SS, a percentage as 50%, and a zero-padded format such as "0000"
// keeps its padding, because that is how extensions like 0042 survive in a
// number column.
package cellfmt

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a number format does to a value, as far as roster cares.
type Kind int

// The kinds of number format.
const (
	General  Kind = iota // a plain number, whatever its decoration
	Date                 // a calendar date
	DateTime             // a date and a time of day
	Time                 // a time of day or a duration
	Percent              // the value times 100, with %
	ZeroPad              // an integer padded with zeros to a width
	Text                 // the text format "@"
)

// Format is a classified number format.
type Format struct {
	Kind  Kind
	Width int // digits, for ZeroPad
	// Elapsed is a duration such as [h]:mm, which counts hours past 24.
	Elapsed bool
}

// Classify reads an Excel-style number format code. Only the first section
// (before ';') decides, as it is the one for positive numbers.
func Classify(code string) Format {
	var (
		date, clock, hms, minute, pct, elapsed bool
		zeros, other                           int
		plain                                  strings.Builder
	)
	inQuote := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		if inQuote {
			if c == '"' {
				inQuote = false
			}
			other++
			continue
		}
		switch c {
		case '"':
			inQuote = true
		case '\\', '_', '*':
			i++ // the next character is a literal, a padding or a fill
			other++
		case ';':
			i = len(code)
		case '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				i = len(code)
				break
			}
			inner := strings.ToLower(code[i+1 : i+end])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				// [h], [mm], [ss]: elapsed time, in which m is minutes.
				clock, hms, elapsed = true, true, true
			}
			i += end
		default:
			plain.WriteByte(c)
		}
	}
	p := strings.ToLower(plain.String())
	if p == "general" || p == "" {
		return Format{Kind: General}
	}
	if p == "@" {
		return Format{Kind: Text}
	}
	if strings.Contains(p, "am/pm") || strings.Contains(p, "a/p") {
		clock = true
		p = strings.NewReplacer("am/pm", "", "a/p", "").Replace(p)
	}
	for i, c := range p {
		switch c {
		case 'e':
			if i+1 < len(p) && (p[i+1] == '+' || p[i+1] == '-') {
				other++ // the exponent of a scientific format
				continue
			}
			date = true
		case 'y', 'd', 'g', 'b':
			date = true
		case 'h', 's':
			clock, hms = true, true
		case 'm':
			minute = true
		case '%':
			pct = true
		case '0':
			zeros++
		default:
			other++
		}
	}
	// "m" is a month unless it stands with hours or seconds.
	if minute && !hms {
		date = true
	}
	switch {
	case date && clock:
		return Format{Kind: DateTime}
	case date:
		return Format{Kind: Date}
	case clock:
		return Format{Kind: Time, Elapsed: elapsed}
	case pct:
		return Format{Kind: Percent}
	case zeros > 1 && zeros <= maxCode && other == 0:
		return Format{Kind: ZeroPad, Width: zeros}
	}
	return Format{Kind: General}
}

// maxCode is the longest number format code Excel accepts. A file from
// outside may hold a longer one; padded to its width, every number of the
// sheet would cost that many bytes, so such a code reads as General.
const maxCode = 255

// Builtin classifies Excel's built-in number formats, which files refer to by
// id without writing their code.
func Builtin(id int) Format {
	switch {
	case id == 9 || id == 10:
		return Format{Kind: Percent}
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return Format{Kind: Date}
	case id == 22:
		return Format{Kind: DateTime}
	case id >= 18 && id <= 21, id >= 32 && id <= 33, id >= 45 && id <= 47:
		return Format{Kind: Time}
	case id == 49:
		return Format{Kind: Text}
	}
	return Format{Kind: General}
}

// Value writes v as text according to f. date1904 selects the 1904 date
// system of old Mac workbooks.
func (f Format) Value(v float64, date1904 bool) string {
	switch f.Kind {
	case Date, DateTime, Time:
		if s, ok := serialText(v, f.Kind, f.Elapsed, date1904); ok {
			return s
		}
	case Percent:
		return Number(v*100) + "%"
	case ZeroPad:
		if v >= 0 && v == math.Trunc(v) && v < 1e15 {
			s := strconv.FormatInt(int64(v), 10)
			if len(s) < f.Width {
				s = strings.Repeat("0", f.Width-len(s)) + s
			}
			return s
		}
	}
	return Number(v)
}

// Number writes v as Excel's General format shows it: at most 15
// significant digits, no exponent for ordinary magnitudes, no trailing zeros.
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if a := math.Abs(r); a != 0 && (a < 1e-9 || a >= 1e21) {
		return strings.ToUpper(strconv.FormatFloat(r, 'g', -1, 64))
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// serialText turns a spreadsheet date serial into ISO text. Serials outside
// the years 1900–9999 are not dates a person could mean; they read as
// numbers.
func serialText(v float64, kind Kind, elapsed, date1904 bool) (string, bool) {
	if v < 0 || v > 2958466 {
		return "", false
	}
	days := math.Floor(v)
	secs := int64(math.Round((v - days) * 86400))
	if secs == 86400 {
		days, secs = days+1, 0
	}
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 60:
		// Excel counts a 29 February 1900 that never was; serials before it
		// are one day off from the ones after it.
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	switch {
	case kind == Time:
		if elapsed && days >= 1 {
			h := int64(days)*24 + secs/3600
			return strconv.FormatInt(h, 10) + t.Format(":04:05"), true
		}
		return t.Format("15:04:05"), true
	case kind == DateTime && secs != 0:
		return t.Format("2006-01-02 15:04:05"), true
	}
	return t.Format("2006-01-02"), true
}

// dateLayouts are the forms of a date written as text (ODS's
// office:date-value, XLSX's t="d" cells): an xsd:date or an xsd:dateTime,
// with or without a time zone. Parsing accepts fractions of a
// second without their being in the layout.
var dateLayouts = []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z07:00"}

// ISODate writes a date given as ISO 8601 text as YYYY-MM-DD, and a date
// with a time of day as YYYY-MM-DD HH:MM:SS, rounded to the second as the
// other formats are.
func ISODate(s string) (string, bool) {
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.Round(time.Second)
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("2006-01-02"), true
		}
		return t.Format("2006-01-02 15:04:05"), true
	}
	return "", false
}

// ColumnName writes a 1-based column number as letters, as every
// spreadsheet program names columns in messages: 1 is A, 27 is AA.
func ColumnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
