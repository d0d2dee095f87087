package emf_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/metrics/emf"
)

// document is an EMF line as CloudWatch Logs reads it (the specification's
// root node), kept loose so that the test checks the shape itself.
type document map[string]json.RawMessage

type metadata struct {
	Timestamp         *int64 `json:"Timestamp"`
	CloudWatchMetrics []struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []struct {
			Name string `json:"Name"`
			Unit string `json:"Unit"`
		} `json:"Metrics"`
	} `json:"CloudWatchMetrics"`
}

func lines(t *testing.T, out *bytes.Buffer) []document {
	t.Helper()
	var docs []document
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var d document
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		docs = append(docs, d)
	}
	return docs
}

// check holds a document to the specification: an _aws object with a
// Timestamp in epoch milliseconds and metric directives; each directive's
// dimension keys and metric names are members of the root, dimensions as
// strings and metrics as numbers; at most 30 keys in a dimension set and
// 100 metrics in a directive.
func check(t *testing.T, d document, namespace string, at time.Time) metadata {
	t.Helper()
	var meta metadata
	if err := json.Unmarshal(d["_aws"], &meta); err != nil {
		t.Fatalf("_aws: %v", err)
	}
	if meta.Timestamp == nil || *meta.Timestamp != at.UnixMilli() {
		t.Errorf("Timestamp %v, want %d", meta.Timestamp, at.UnixMilli())
	}
	if len(meta.CloudWatchMetrics) == 0 {
		t.Fatal("no CloudWatchMetrics")
	}
	for _, directive := range meta.CloudWatchMetrics {
		if directive.Namespace != namespace {
			t.Errorf("Namespace %q", directive.Namespace)
		}
		if len(directive.Metrics) == 0 || len(directive.Metrics) > 100 || len(directive.Dimensions) == 0 {
			t.Errorf("directive %+v", directive)
		}
		for _, set := range directive.Dimensions {
			if len(set) == 0 || len(set) > 30 {
				t.Errorf("dimension set %v", set)
			}
			for _, key := range set {
				var v string
				if err := json.Unmarshal(d[key], &v); err != nil || v == "" {
					t.Errorf("dimension %s is not a string member of the root: %s", key, d[key])
				}
			}
		}
		for _, m := range directive.Metrics {
			var v float64
			if err := json.Unmarshal(d[m.Name], &v); err != nil {
				t.Errorf("metric %s is not a number member of the root: %s", m.Name, d[m.Name])
			}
			if !slices.Contains([]string{"Count", "Milliseconds"}, m.Unit) {
				t.Errorf("metric %s: unit %q", m.Name, m.Unit)
			}
		}
	}
	return meta
}

func TestEveryRecordIsOneEMFLine(t *testing.T) {
	is := is.New(t)
	out := &bytes.Buffer{}
	at := time.Date(2026, 11, 27, 12, 0, 0, 123e6, time.UTC)
	l := emf.New(out, "payhook/dev", "receiver")
	l.Clock = func() time.Time { return at }
	l.Delivery("stripe", "invalid_signature", 12500*time.Microsecond)
	l.Processed("paypal", "applied")
	l.Failed("square")
	l.StoreCommit("put_webhook", 4*time.Millisecond)
	l.Forwarded("billing", "delivered")

	docs := lines(t, out)
	is.Equal(len(docs), 5)
	metas := make([]metadata, len(docs))
	for i, d := range docs {
		metas[i] = check(t, d, "payhook/dev", at)
		is.Equal(string(d["Function"]), `"receiver"`)
	}

	delivery := docs[0]
	is.Equal(string(delivery["Provider"]), `"stripe"`)
	is.Equal(string(delivery["Outcome"]), `"invalid_signature"`)
	is.Equal(string(delivery["Deliveries"]), "1")
	is.Equal(string(delivery["ReceiverDuration"]), "12.5")
	is.Equal(len(metas[0].CloudWatchMetrics), 2)
	is.Equal(metas[0].CloudWatchMetrics[0].Metrics[0].Name, "Deliveries")
	is.Equal(metas[0].CloudWatchMetrics[0].Metrics[0].Unit, "Count")
	is.Equal(metas[0].CloudWatchMetrics[0].Dimensions, [][]string{{"Function", "Outcome"}, {"Function", "Provider", "Outcome"}})
	is.Equal(metas[0].CloudWatchMetrics[1].Metrics[0].Name, "ReceiverDuration")
	is.Equal(metas[0].CloudWatchMetrics[1].Metrics[0].Unit, "Milliseconds")
	is.Equal(metas[0].CloudWatchMetrics[1].Dimensions, [][]string{{"Function"}, {"Function", "Provider"}})

	is.Equal(string(docs[1]["Processed"]), "1")
	is.Equal(string(docs[2]["Failed"]), "1")
	is.Equal(string(docs[3]["StoreCommitDuration"]), "4")
	is.Equal(string(docs[4]["Destination"]), `"billing"`)
}

// The log metric filters (tofu/modules/webhook-pipeline/alarms.tf) select
// the receiver's log lines by $.outcome: an EMF line must never be one of
// them, or a rejected signature would count twice.
func TestLinesNeverMatchTheLogMetricFilters(t *testing.T) {
	out := &bytes.Buffer{}
	l := emf.New(out, "payhook/dev", "receiver")
	l.Delivery("stripe", "invalid_signature", time.Millisecond)
	l.Processed("stripe", "applied")
	l.Forwarded("billing", "failed")
	for _, d := range lines(t, out) {
		for key := range d {
			if key == "outcome" || key == "level" || key == "message" {
				t.Errorf("an EMF line has the log lines' member %q", key)
			}
		}
	}
}
