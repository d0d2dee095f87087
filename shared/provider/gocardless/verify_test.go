package gocardless_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
)

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, gocardless.Provider, provider.Config{}, "testdata/vectors.json")
}

// The published two-event delivery, and its signature under its secret.
const (
	secret    = "ED7D658C-D8EB-4941-948B-3973214F2D49"
	signature = "2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e"
)

func body(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/bodies/ruby_python_two_events.compact.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func delivery(header string, body []byte) provider.Delivery {
	h := http.Header{}
	if header != "" {
		h.Set("Webhook-Signature", header)
	}
	return provider.Delivery{Header: h, Body: body}
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name    string
		header  string
		change  func([]byte) []byte
		secrets []string
		want    error
	}{
		{"the published delivery", signature, nil, []string{secret}, nil},
		{"rotation: the second of two secrets", signature, nil, []string{"old-secret", secret}, nil},
		{"upper-case hex", strings.ToUpper(signature), nil, []string{secret}, nil},
		{"a forged event added to the batch", signature, func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `{"events":[`, `{"events":[{"id":"EVFORGED","resource_type":"payments","action":"confirmed","links":{"payment":"PMFORGED"}},`, 1))
		}, []string{secret}, provider.ErrInvalidSignature},
		{"a link changed", signature, func(b []byte) []byte {
			return []byte(strings.Replace(string(b), "MD000AMA19XGEC", "MD000AMA19XGED", 1))
		}, []string{secret}, provider.ErrInvalidSignature},
		{"a trailing newline added", signature, func(b []byte) []byte { return append(b, '\n') }, []string{secret}, provider.ErrInvalidSignature},
		{"another endpoint's secret", signature, nil, []string{"foo"}, provider.ErrInvalidSignature},
		{"no secret configured", signature, nil, nil, provider.ErrInvalidSignature},
		{"no header", "", nil, []string{secret}, provider.ErrMissingSignature},
		{"one hex digit short", signature[:63], nil, []string{secret}, provider.ErrMissingSignature},
		{"two signatures in one header", signature + "," + signature, nil, []string{secret}, provider.ErrMissingSignature},
		{"a header of 2 KiB", strings.Repeat("a", 2048), nil, []string{secret}, provider.ErrMissingSignature},
		{"not hex", strings.Repeat("g", 64), nil, []string{secret}, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			b := body(t)
			if tc.change != nil {
				b = tc.change(b)
			}
			verified, err := gocardless.Verifier{}.Verify(context.Background(), delivery(tc.header, b), provider.Keys{gocardless.WebhookSecrets: tc.secrets}, time.Now())
			is.Equal(err, tc.want)
			if err == nil {
				is.Equal(verified, provider.Verified{Provider: gocardless.Name})
			}
		})
	}
}

func TestSignatureMatchesThePublishedVector(t *testing.T) {
	is.New(t).Equal(gocardless.Signature(body(t), secret), signature)
}

// A delivery's events are stored one by one, each with its own JSON.
func TestParseReadsEveryEventOfTheBatch(t *testing.T) {
	is := is.New(t)
	envelopes, err := gocardless.Verifier{}.Parse(delivery("", body(t)))
	is.NoErr(err)
	is.Equal(len(envelopes), 2)
	is.Equal(envelopes[0].EventID, "EV00BD05S5VM2T")
	is.Equal(envelopes[0].EventType, "subscriptions.created")
	is.Equal(envelopes[0].OccurredAt, time.Date(2018, 7, 5, 9, 13, 51, 404000000, time.UTC))
	is.Equal(string(envelopes[0].Body), `{"id":"EV00BD05S5VM2T","created_at":"2018-07-05T09:13:51.404Z","resource_type":"subscriptions","action":"created","links":{"subscription":"SB0003JJQ2MR06"},"details":{"origin":"api","cause":"subscription_created","description":"Subscription created via the API."},"metadata":{}}`)
	is.Equal(envelopes[1].EventID, "EV00BD05TB8K63")
	is.Equal(envelopes[1].EventType, "mandates.created")
}

func TestParseRefusesABatchWithOneBadEvent(t *testing.T) {
	for name, body := range map[string]string{
		"no events":                      `{"events":[]}`,
		"events not an array":            `{"events":{"id":"EV123","resource_type":"payments","action":"failed"}}`,
		"an event without id":            `{"events":[{"id":"EV1","resource_type":"payments","action":"confirmed"},{"resource_type":"payments","action":"failed"}]}`,
		"an event without type":          `{"events":[{"id":"EV1","resource_type":"payments","action":"confirmed"},{"id":"EV2","action":"failed"}]}`,
		"an id with a control character": `{"events":[{"id":"EV\u001b1","resource_type":"payments","action":"confirmed"}]}`,
		"over 1000 events":               `{"events":[` + strings.TrimSuffix(strings.Repeat(`{"id":"EV1","resource_type":"payments","action":"confirmed"},`, 1001), ",") + `]}`,
		"not JSON":                       `events`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := gocardless.Verifier{}.Parse(delivery("", []byte(body)))
			is.New(t).Equal(err, provider.ErrMalformedPayload)
		})
	}
}

func TestSettingsRefuseWhatCouldNeverMatch(t *testing.T) {
	is := is.New(t)
	for _, bad := range []string{"secret with space", "secret\n"} {
		err := gocardless.Provider.CheckKeys(provider.Keys{gocardless.WebhookSecrets: {bad}})
		is.True(err != nil && !strings.Contains(err.Error(), "secret with"))
	}
	is.NoErr(gocardless.Provider.CheckKeys(provider.Keys{gocardless.WebhookSecrets: {secret}}))
}

func FuzzVerify(f *testing.F) {
	f.Add(signature, []byte(`{"events":[{"id":"EV1","resource_type":"payments","action":"confirmed"}]}`))
	f.Add(strings.ToUpper(signature), []byte(`{"events":[]}`))
	f.Add("", []byte(`{"events":{}}`))
	keys := provider.Keys{gocardless.WebhookSecrets: {"fuzz-secret"}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Webhook-Signature": {header}}, Body: body}
		_, err := gocardless.Verifier{}.Verify(context.Background(), d, keys, time.Now())
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := gocardless.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}
