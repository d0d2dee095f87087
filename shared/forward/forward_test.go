package forward_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
)

func succeeded(provider, eventID, paymentID string) payment.Event {
	return payment.Event{
		Provider: provider, EventID: eventID, Type: payment.Succeeded, ProviderType: "payment_intent.succeeded",
		PaymentID: paymentID, AmountMinor: 2000, Currency: "EUR", OccurredAt: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
	}
}

func TestMessageCarriesTheCanonicalEvent(t *testing.T) {
	is := is.New(t)
	m, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	var body struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			Provider    string `json:"provider"`
			EventID     string `json:"event_id"`
			PaymentID   string `json:"payment_id"`
			PaymentKey  string `json:"payment_key"`
			AmountMinor int64  `json:"amount_minor"`
			Currency    string `json:"currency"`
		} `json:"data"`
	}
	is.NoErr(json.Unmarshal(m.Body, &body))
	is.Equal(body.Type, "payment.succeeded")
	is.Equal(body.Data.EventID, "evt_1") // the provider's own id
	is.Equal(body.Data.PaymentKey, "stripe/pi_1")
	is.Equal(body.Data.AmountMinor, int64(2000))
	is.Equal(body.Data.Currency, "EUR")
	is.Equal(m.PaymentKey, "stripe/pi_1")
	is.True(strings.HasPrefix(m.ID, "msg_"))
}

func TestMessageIDIsStablePerEvent(t *testing.T) {
	is := is.New(t)
	a, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	again, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	is.Equal(a.ID, again.ID)
	for _, other := range []payment.Event{succeeded("stripe", "evt_2", "pi_1"), succeeded("square", "evt_1", "pi_1")} {
		m, err := forward.NewMessage(payment.Announcement{Event: other})
		is.NoErr(err)
		is.True(m.ID != a.ID)
	}
	// The separator keeps (provider, id) pairs that concatenate alike apart.
	is.True(forward.MessageID("stripe", "x") != forward.MessageID("strip", "ex"))
}

func TestAnInvalidEventIsNotForwarded(t *testing.T) {
	is := is.New(t)
	e := succeeded("stripe", "evt_1", "")
	_, err := forward.NewMessage(payment.Announcement{Event: e})
	is.True(err != nil)
}

func TestReferenceLibraryVerifiesEverySecretOfARotation(t *testing.T) {
	is := is.New(t)
	current, previous := forward.NewSecret(), forward.NewSecret()
	signer, err := forward.ParseSecrets(current + ", " + previous)
	is.NoErr(err)
	m, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	headers, err := signer.Headers(m, time.Now())
	is.NoErr(err)
	is.Equal(headers.Get("webhook-id"), m.ID)
	for _, secret := range []string{current, previous} {
		wh, err := standardwebhooks.NewWebhook(secret)
		is.NoErr(err)
		is.NoErr(wh.Verify(m.Body, headers))
	}
	stranger, err := standardwebhooks.NewWebhook(forward.NewSecret())
	is.NoErr(err)
	is.True(stranger.Verify(m.Body, headers) != nil)
	wh, err := standardwebhooks.NewWebhook(current)
	is.NoErr(err)
	tampered := []byte(strings.Replace(string(m.Body), "2000", "2", 1))
	is.True(wh.Verify(tampered, headers) != nil)
}

func TestSecretsAreCheckedWithoutEchoingThem(t *testing.T) {
	for name, list := range map[string]string{
		"empty":        " , ",
		"not whsec":    "sk_test_abcdef",
		"not base64":   "whsec_!!!!",
		"too short":    "whsec_c2hvcnQ=",
		"sender bound": "acme=" + forward.NewSecret(),
		"public key":   "whpk_" + strings.Repeat("A", 43) + "=",
		"too many":     strings.Repeat(forward.NewSecret()+",", 5),
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			_, err := forward.ParseSecrets(list)
			is.True(err != nil)
			is.True(strings.Contains(err.Error(), forward.SecretsSetting))
			for _, part := range strings.Split(list, ",") {
				if len(part) > 8 {
					is.True(!strings.Contains(err.Error(), strings.TrimSpace(part)))
				}
			}
		})
	}
}

func TestAttemptOutcomes(t *testing.T) {
	signer, err := forward.ParseSecrets(forward.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	m, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		want       forward.Outcome
		wantWait   time.Duration
	}{
		{"2xx", http.StatusNoContent, "", forward.Delivered, 0},
		{"5xx", http.StatusBadGateway, "", forward.Retry, 0},
		{"429 with Retry-After", http.StatusTooManyRequests, "120", forward.Retry, 2 * time.Minute},
		{"503 with Retry-After", http.StatusServiceUnavailable, "7", forward.Retry, 7 * time.Second},
		{"4xx", http.StatusBadRequest, "", forward.Refused, 0},
		{"410", http.StatusGone, "", forward.Refused, 0},
		{"redirect is not followed", http.StatusTemporaryRedirect, "", forward.Refused, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			elsewhere := 0
			other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere++ }))
			defer other.Close()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.Header().Set("Location", other.URL)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, "secret stuff of the consumer's") // a body the reason must not carry
			}))
			defer srv.Close()
			r := forward.Attempt(context.Background(), forward.NewClient(time.Second), srv.URL, signer, m, time.Now())
			is.Equal(r.Outcome, tc.want)
			is.Equal(r.Status, tc.status)
			is.Equal(r.RetryAfter, tc.wantWait)
			is.Equal(elsewhere, 0)
			is.True(!strings.Contains(r.Reason, "secret stuff"))
		})
	}
}

func TestNoAnswerIsRetried(t *testing.T) {
	is := is.New(t)
	signer, err := forward.ParseSecrets(forward.NewSecret())
	is.NoErr(err)
	m, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	r := forward.Attempt(context.Background(), forward.NewClient(100*time.Millisecond), slow.URL, signer, m, time.Now())
	is.Equal(r.Outcome, forward.Retry)
	is.Equal(r.Reason, "no answer in time")

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r = forward.Attempt(context.Background(), forward.NewClient(time.Second), closed.URL, signer, m, time.Now())
	is.Equal(r.Outcome, forward.Retry)
	is.True(strings.HasPrefix(r.Reason, "could not connect"))
}

func TestBackoffDoublesWithJitterUpToItsCeiling(t *testing.T) {
	is := is.New(t)
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 10: 15 * time.Minute, 1000: 15 * time.Minute} {
		for range 50 {
			d := forward.Backoff(n)
			is.True(d >= want/2 && d <= want)
		}
	}
}

func TestRetriesEndWithTheWindow(t *testing.T) {
	is := is.New(t)
	queued := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	retry := forward.Result{Outcome: forward.Retry}
	next, ok := forward.NextAttempt(retry, 1, queued, queued.Add(time.Minute), forward.DefaultRetryWindow)
	is.True(ok)
	is.True(next.After(queued.Add(time.Minute)))
	deadline := queued.Add(forward.DefaultRetryWindow)
	next, ok = forward.NextAttempt(retry, 90, queued, deadline.Add(-time.Minute), forward.DefaultRetryWindow)
	is.True(ok)
	is.Equal(next, deadline) // a 15 minutes' wait is cut to one last attempt at the window's end
	_, ok = forward.NextAttempt(retry, 91, queued, deadline, forward.DefaultRetryWindow)
	is.True(!ok) // that one failed too
	later := forward.Result{Outcome: forward.Retry, RetryAfter: time.Hour}
	next, ok = forward.NextAttempt(later, 1, queued, queued, forward.DefaultRetryWindow)
	is.True(ok)
	is.True(!next.Before(queued.Add(time.Hour))) // Retry-After honoured over a shorter backoff
	_, ok = forward.NextAttempt(forward.Result{Outcome: forward.Refused}, 1, queued, queued, forward.DefaultRetryWindow)
	is.True(!ok)
}

func TestDestinationURLsAndTypes(t *testing.T) {
	is := is.New(t)
	is.NoErr(forward.CheckURL("http://localhost:3000/webhook"))
	is.NoErr(forward.CheckURL("https://app.example.com/payhook"))
	for _, bad := range []string{"localhost:3000", "ftp://x/y", "https://user:pw@example.com/", "/webhook", "https://example.com/#x"} {
		is.True(forward.CheckURL(bad) != nil)
	}
	is.True(forward.CheckURL("https://example.com/"+strings.Repeat("a", forward.MaxURLBytes)) != nil)
	err := forward.CheckURL("https://user:hunter22@example.com/")
	is.True(!strings.Contains(err.Error(), "hunter22"))
	types, err := payment.ParseTypes("payment.succeeded, dispute.opened")
	is.NoErr(err)
	d := forward.Destination{Types: types}
	is.True(d.Wants(payment.DisputeOpened))
	is.True(!d.Wants(payment.Refunded))
	is.True(forward.Destination{}.Wants(payment.Refunded))
	_, err = payment.ParseTypes("payment.succeded")
	is.True(err != nil)
}

func TestADestinationsNameHidesItsQueryValues(t *testing.T) {
	is := is.New(t)
	is.Equal(forward.Name("https://app.example.com/hook?token=s3cr3t&v=2"), "https://app.example.com/hook?token=redacted&v=redacted")
	is.Equal(forward.Name("http://localhost:3000/events"), "http://localhost:3000/events")
}
