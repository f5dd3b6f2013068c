package provision

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// translit spells letters that have no accent-free form in ASCII.
var translit = map[rune]string{
	'ß': "ss", 'æ': "ae", 'ø': "o", 'ł': "l", 'đ': "d", 'þ': "th", 'œ': "oe", 'ð': "d", 'ı': "i",
	// Cyrillic (Ukrainian and Russian usage)
	'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e", 'є': "ie", 'ж': "zh", 'з': "z",
	'и': "y", 'і': "i", 'ї': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p",
	'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ь': "", 'ю': "iu", 'я': "ia", 'ё': "e", 'ы': "y", 'э': "e", 'ъ': "",
	// Greek
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i", 'κ': "k",
	'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t",
	'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// foldASCII lower-cases a name and spells it in the characters a username
// allows: accents dropped, other scripts transliterated where we know how,
// anything else left out.
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-", r)):
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
		case unicode.IsSpace(r):
			b.WriteByte('.')
		default:
			b.WriteString(translit[r])
		}
	}
	return strings.Trim(b.String(), ".-_")
}

// usernameBase is the username a person would be given before it is made
// unique: the local part of the email, else firstname.lastname, else
// "user".
func usernameBase(email, firstname, lastname string) string {
	if local, _, ok := strings.Cut(email, "@"); ok {
		if base := foldASCII(local); len(base) >= 2 {
			return trimTo(base, 60)
		}
	}
	parts := []string{}
	for _, p := range []string{firstname, lastname} {
		if f := foldASCII(p); f != "" {
			parts = append(parts, f)
		}
	}
	if base := strings.Join(parts, "."); len(base) >= 2 {
		return trimTo(base, 60)
	}
	return "user"
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return strings.TrimRight(s[:n], ".-_")
	}
	return s
}
