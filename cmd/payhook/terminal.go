package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable makes a string safe to print on a terminal: control and
// formatting characters (an escape sequence that clears the screen or moves
// the cursor, a right-to-left override) and invalid UTF-8 are written as Go
// escapes, and a backslash as two, so that a literal "\x1b" never reads as
// an escaped one. Event ids, types and payment ids are chosen by whoever
// sent the webhook; an operator's terminal must show them, never obey them.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || needsEscape(r) }) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case needsEscape(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (r != ' ' && unicode.IsSpace(r))
}
