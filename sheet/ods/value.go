package ods

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
)

// cellValue is the text of a cell's value, written the way every
// spreadsheet format in roster writes it. It is not ok for a cell whose
// text is the one it displays: a string, a zero-padded number, or a
// malformed value.
func cellValue(c *cellAttrs, shown []byte) (string, bool) {
	switch c.valueType {
	case "float":
		// A "0000" format shows 42 as 0042; the zeros are the point of
		// it, as in phone extensions, so the displayed text is kept.
		if v, ok := number(c.value); ok && !zeroPadded(shown, v) {
			return cellfmt.Number(v), true
		}
	case "currency":
		if v, ok := number(c.value); ok {
			return cellfmt.Number(v), true
		}
	case "percentage":
		if v, ok := number(c.value); ok {
			return cellfmt.Format{Kind: cellfmt.Percent}.Value(v, false), true
		}
	case "date":
		if s, ok := cellfmt.ISODate(c.date); ok {
			return s, true
		}
	case "time":
		if s, ok := durationText(c.time); ok {
			return s, true
		}
	case "boolean":
		switch c.boolean {
		case "true", "1":
			return "TRUE", true
		case "false", "0":
			return "FALSE", true
		}
	}
	return "", false
}

func number(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// zeroPadded reports whether shown is the whole number v written with
// leading zeros.
func zeroPadded(shown []byte, v float64) bool {
	if len(shown) < 2 || shown[0] != '0' || v < 0 || v != math.Trunc(v) || v >= 1e15 {
		return false
	}
	digits := ""
	if v > 0 {
		digits = strconv.FormatInt(int64(v), 10)
	}
	return string(bytes.TrimLeft(shown, "0")) == digits
}

// durationText writes an office:time-value, an ISO 8601 duration such as
// PT10H30M00S, as HH:MM:SS, with more than 24 hours if it is that long.
func durationText(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return "", false
	}
	var secs float64
	inTime, parts := false, 0
	for rest != "" {
		if rest[0] == 'T' && !inTime {
			inTime = true
			rest = rest[1:]
			continue
		}
		i := strings.IndexFunc(rest, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
		if i <= 0 {
			return "", false
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return "", false
		}
		switch unit := rest[i]; {
		case !inTime && unit == 'D':
			n *= 24 * 3600
		case inTime && unit == 'H':
			n *= 3600
		case inTime && unit == 'M':
			n *= 60
		case inTime && unit == 'S':
		default:
			return "", false // years and months have no fixed length
		}
		secs += n
		parts++
		rest = rest[i+1:]
	}
	if parts == 0 || secs > 1e12 {
		return "", false
	}
	t := int64(math.Round(secs))
	return fmt.Sprintf("%02d:%02d:%02d", t/3600, t/60%60, t%60), true
}
