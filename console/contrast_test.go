package console

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// The stylesheet's colours meet WCAG 2's contrast minimum for text (4.5:1)
// in every pair the pages use, and the focus ring stands out from the
// background (3:1 for non-text).
func TestColoursHaveEnoughContrast(t *testing.T) {
	css, err := staticFiles.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	colours := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-f]{6});`).FindAllStringSubmatch(string(css), -1) {
		colours[m[1]] = m[2]
	}
	for _, p := range []struct {
		fg, bg string
		min    float64
	}{
		{"ink", "paper", 4.5}, {"ink", "wash", 4.5}, {"muted", "paper", 4.5}, {"muted", "wash", 4.5},
		{"accent", "paper", 4.5}, {"accent", "wash", 4.5}, {"accent-ink", "accent", 4.5}, {"paper", "error", 4.5},
		{"error", "error-wash", 4.5}, {"ok", "ok-wash", 4.5}, {"ink", "warn-wash", 4.5},
		{"focus", "paper", 3}, {"focus", "wash", 3},
	} {
		fg, bg := colours[p.fg], colours[p.bg]
		if fg == "" || bg == "" {
			t.Errorf("no colour %s or %s in style.css", p.fg, p.bg)
			continue
		}
		if r := contrast(fg, bg); r < p.min {
			t.Errorf("%s on %s: contrast %.2f, below %.1f", p.fg, p.bg, r, p.min)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two sRGB colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}
