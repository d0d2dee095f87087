package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/ingest"
)

// trafficLines prints, as stripe listen does, one line for each delivery
// in and each forwarding attempt out:
//
//	10:04:05  --> stripe payment_intent.succeeded evt_1 200 accepted
//	10:04:05  <-- [204] POST http://localhost:3000/payment-events msg_... payment.succeeded
//
// What a sender chose (the route, the event's type and id) is escaped.
func trafficLines(w io.Writer) (func(ingest.Delivered), func(forward.Observation)) {
	var mu sync.Mutex
	line := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, time.Now().Format(time.TimeOnly)+"  "+format+"\n", a...)
	}
	in := func(d ingest.Delivered) {
		line("--> %s", deliveryLine(d))
	}
	out := func(o forward.Observation) {
		line("<-- %s", forwardLine(o))
	}
	return in, out
}

func deliveryLine(d ingest.Delivered) string {
	event := "- -" // refused before its event was read
	if d.EventID != "" {
		event = printable(d.EventType) + " " + printable(d.EventID)
		if d.Events > 1 {
			event += fmt.Sprintf(" (+%d more)", d.Events-1)
		}
	}
	return fmt.Sprintf("%s %s %d %s", printable(d.Provider), event, d.Status, d.Outcome)
}

func forwardLine(o forward.Observation) string {
	status := "---"
	if o.Status != 0 {
		status = fmt.Sprint(o.Status)
	}
	line := fmt.Sprintf("[%s] POST %s %s %s", status, printable(o.Destination), o.MessageID, printable(o.Type))
	if o.Outcome != forward.Delivered {
		line += " " + string(o.Outcome) + optional(": ", printable(strings.TrimSpace(o.Reason)))
	}
	return line
}
