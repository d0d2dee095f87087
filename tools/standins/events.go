package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// event is one seeded event: exactly the JSON the API returns for it, and
// the fields the stand-in filters and sorts on.
type event struct {
	raw     json.RawMessage
	id      string
	created time.Time
	kind    string // PayPal's event_type, Square's type
	// PayPal's resource.id, which its transaction_id filter matches;
	// GoCardless's linked payment.
	resourceID string
	// Square's merchant and location filters.
	merchantID string
	locationID string
	// GoCardless's resource_type and action filters, and the refund it
	// links (resourceID is the payment).
	resourceType, action, refundID string
}

// after reports whether e sorts after the key (created, id) in the given
// order: the order is by creation time, ties by id, so a page boundary
// is exact even when events share a timestamp.
func (e event) after(created time.Time, id string, descending bool) bool {
	if !e.created.Equal(created) {
		return e.created.After(created) != descending
	}
	if e.id == id {
		return false
	}
	return (e.id > id) != descending
}

func sortEvents(events []event, descending bool) {
	sort.SliceStable(events, func(i, j int) bool {
		return events[j].after(events[i].created, events[i].id, descending)
	})
}

// parseTime reads an RFC 3339 time. Square's own example has no zone
// ("2022-04-26T10:08:40.454726"); such a time is read as UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t, nil
}

// seedRequest is what POST /_standin/{provider}/events accepts when it is
// not an array of events: N events made from a template, with fresh ids,
// created Step apart and ending at End (default: now).
type seedRequest struct {
	Generate  int    `json:"generate"`
	EventType string `json:"event_type,omitempty"`
	End       string `json:"end,omitempty"`
	Step      string `json:"step,omitempty"`
}

// times are the creation times of n generated events, oldest first.
func (g seedRequest) times() ([]time.Time, error) {
	end := time.Now().UTC()
	if g.End != "" {
		t, err := parseTime(g.End)
		if err != nil {
			return nil, err
		}
		end = t
	}
	step := time.Second
	if g.Step != "" {
		d, err := time.ParseDuration(g.Step)
		if err != nil {
			return nil, err
		}
		step = d
	}
	times := make([]time.Time, g.Generate)
	for i := range times {
		times[i] = end.Add(-time.Duration(g.Generate-1-i) * step)
	}
	return times, nil
}
