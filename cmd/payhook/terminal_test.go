package main

import (
	"testing"

	"github.com/matryer/is"
)

func TestPrintableShowsWhatATerminalWouldObey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"pi_3MtwBw", "pi_3MtwBw"},
		{"pay_\x1b[2J", `pay_\x1b[2J`},
		{`pay_\x1b[2J`, `pay_\\x1b[2J`}, // a literal backslash never reads as an escape
		{"rev\u202eesrever", `rev\u202eesrever`},
		{"tag\U000E0041", `tag\U000e0041`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"tab\there", `tab\x09here`},
		{"café", "café"},
	} {
		t.Run(tc.want, func(t *testing.T) { is.New(t).Equal(printable(tc.in), tc.want) })
	}
}
