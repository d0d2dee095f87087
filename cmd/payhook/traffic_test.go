package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/ingest"
)

// serve on a terminal prints one line per delivery in and per forward out,
// as stripe listen does; what a sender chose is escaped.
func TestTrafficLines(t *testing.T) {
	is := is.New(t)
	var out bytes.Buffer
	in, forwarded := trafficLines(&out)
	in(ingest.Delivered{Provider: "stripe", EventType: "payment_intent.succeeded", EventID: "evt_1", Events: 1, Status: 200, Outcome: "accepted"})
	in(ingest.Delivered{Provider: "gocardless", EventType: "payments.confirmed", EventID: "EV1", Events: 3, Status: 200, Outcome: "duplicate"})
	in(ingest.Delivered{Provider: "stripe", Status: 401, Outcome: "invalid_signature"})
	in(ingest.Delivered{Provider: "evil\x1b[2J", Status: 404, Outcome: "unknown_provider"})
	in(ingest.Delivered{Provider: "standard", EventType: "x\u202e", EventID: "msg\x1b]0;t\x07", Events: 1, Status: 200, Outcome: "accepted"})
	forwarded(forward.Observation{Destination: "http://localhost:3000/hook", MessageID: "msg_abc", Type: "payment.succeeded", Status: 204, Outcome: forward.Delivered})
	forwarded(forward.Observation{Destination: "http://localhost:3000/hook", MessageID: "msg_abc", Type: "payment.succeeded", Outcome: forward.Retry, Reason: "no answer: connection refused"})
	want := []string{
		"--> stripe payment_intent.succeeded evt_1 200 accepted",
		"--> gocardless payments.confirmed EV1 (+2 more) 200 duplicate",
		"--> stripe - - 401 invalid_signature",
		`--> evil\x1b[2J - - 404 unknown_provider`,
		`--> standard x\u202e msg\x1b]0;t\x07 200 accepted`,
		"<-- [204] POST http://localhost:3000/hook msg_abc payment.succeeded",
		"<-- [---] POST http://localhost:3000/hook msg_abc payment.succeeded retry: no answer: connection refused",
	}
	lines := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d  (.*)$`).FindAllStringSubmatch(out.String(), -1)
	is.Equal(len(lines), len(want))
	for i, l := range lines {
		is.Equal(l[1], want[i])
	}
}

// Anywhere but a terminal, serve keeps to its structured logs.
func TestTrafficLinesOnlyOnATerminal(t *testing.T) {
	is := is.New(t)
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	is.NoErr(err)
	defer f.Close()
	is.True(!isTerminal(f))
	is.True(!isTerminal(&bytes.Buffer{}))
}
