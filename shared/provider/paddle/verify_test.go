package paddle_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paddle"
)

// The Go SDK's published vector (webhook_verifier_test.go; see
// testdata/ORIGIN.md): its secret key, ts and h1 over
// testdata/bodies/go_price_created.json. rotationSig is that body's h1
// under rotationSecret, a key constructed for payhook, computed with
// Python's hmac and checked with openssl dgst -sha256 -hmac.
const (
	sdkSecret      = "pdl_ntfset_01hsdn8d43dt7mezr1ef2jtbaw_hKkRiCGyyRhbFwIUuqiTBgI7gnWoV0Gr"
	sdkTS          = "1710929255"
	sdkSig         = "6c05ef8fa83c44d751be6d259ec955ce5638e2c54095bf128e408e2fce1589c8"
	rotationSecret = "pdl_ntfset_01hsdn8d43dt7mezr1ef2jtbaw_payhookConstructedRotationKey2"
	rotationSig    = "d561feefd2b2ee06788f11464bacc5c78a3ba7a680f12eaa20d34b97cd1cc6c6"
	sdkEventID     = "evt_01hsdn97563968dy0szkmgjwh3"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sdkBody(t testing.TB) []byte { return readFile(t, "testdata/bodies/go_price_created.json") }

func delivery(header string, body []byte) provider.Delivery {
	h := http.Header{}
	if header != "" {
		h.Set("Paddle-Signature", header)
	}
	return provider.Delivery{Header: h, Body: body}
}

func TestVerify(t *testing.T) {
	signedAt := time.Unix(1710929255, 0)
	one := "ts=" + sdkTS + ";h1=" + sdkSig
	both := "ts=" + sdkTS + ";h1=" + rotationSig + ";h1=" + sdkSig
	cases := []struct {
		name      string
		header    string
		change    func([]byte) []byte
		secrets   []string
		tolerance time.Duration
		now       time.Time
		want      error
	}{
		{"one h1, one secret", one, nil, []string{sdkSecret}, 0, signedAt, nil},
		{"rotation: two h1, only the old secret active", both, nil, []string{sdkSecret}, 0, signedAt, nil},
		{"rotation: two h1, only the new secret active", both, nil, []string{rotationSecret}, 0, signedAt, nil},
		{"rotation: one h1, second of two active secrets", "ts=" + sdkTS + ";h1=" + rotationSig, nil, []string{sdkSecret, rotationSecret}, 0, signedAt, nil},
		{"a malformed h1 before the good one", "ts=" + sdkTS + ";h1=dummy;h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, nil},
		{"unknown keys ignored beside a good h1", "ts=" + sdkTS + ";h2=RANDOM_HASH;h1=" + sdkSig + ";x=1;flag", nil, []string{sdkSecret}, 0, signedAt, nil},
		{"spaces around the header and its parts", " ts=" + sdkTS + " ; h1=" + sdkSig + " ", nil, []string{sdkSecret}, 0, signedAt, nil},
		{"upper-case hex", "ts=" + sdkTS + ";h1=" + strings.ToUpper(sdkSig), nil, []string{sdkSecret}, 0, signedAt, nil},
		{"tolerance: 299 s late", one, nil, []string{sdkSecret}, 0, signedAt.Add(299 * time.Second), nil},
		{"tolerance: 299 s early", one, nil, []string{sdkSecret}, 0, signedAt.Add(-299 * time.Second), nil},
		{"tolerance: 301 s late", one, nil, []string{sdkSecret}, 0, signedAt.Add(301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"a captured delivery replayed 15 minutes later", one, nil, []string{sdkSecret}, 0, signedAt.Add(15 * time.Minute), provider.ErrTimestampOutOfTolerance},
		// Reconciliation recovers what an outage held back: Paddle's
		// retries keep no longer window than Stripe's.
		{"a retry with its first attempt's signature, 71 hours late", one, nil, []string{sdkSecret}, 0, signedAt.Add(71 * time.Hour), provider.ErrTimestampOutOfTolerance},
		{"tolerance: 301 s in the future", one, nil, []string{sdkSecret}, 0, signedAt.Add(-301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"tolerance: the deployment's 10 s, 11 s in the future", one, nil, []string{sdkSecret}, 10 * time.Second, signedAt.Add(-11 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"tolerance: the deployment's 10 s, 9 s in the future", one, nil, []string{sdkSecret}, 10 * time.Second, signedAt.Add(-9 * time.Second), nil},
		{"forged body", one, func(b []byte) []byte { return []byte(strings.Replace(string(b), `"amount":"1000"`, `"amount":"1"`, 1)) }, []string{sdkSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"body with a trailing newline", one, func(b []byte) []byte { return append(b, '\n') }, []string{sdkSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"tampered ts", "ts=1710929256;h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"ts with a leading zero: the MAC covers ts as sent", "ts=0" + sdkTS + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"tampered h1", "ts=" + sdkTS + ";h1=" + sdkSig[:63] + "0", nil, []string{sdkSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"secret no longer active", one, nil, []string{rotationSecret}, 0, signedAt, provider.ErrInvalidSignature},
		{"no secret configured", one, nil, nil, 0, signedAt, provider.ErrInvalidSignature},
		{"forged and stale says invalid, not stale", one, nil, []string{rotationSecret}, 0, signedAt.Add(100 * time.Hour), provider.ErrInvalidSignature},
		{"no header", "", nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"no ts", "h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"two ts", "ts=" + sdkTS + ";ts=" + sdkTS + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"ts not a number", "ts=x;h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"ts signed", "ts=+" + sdkTS + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"ts negative", "ts=-1;h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"ts beyond int64", "ts=99999999999999999999;h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"no h1", "ts=" + sdkTS, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"only a malformed h1", "ts=" + sdkTS + ";h1=dummy", nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"h1 of 63 hex digits is dropped before any MAC", "ts=" + sdkTS + ";h1=" + sdkSig[:63], nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"h2 only", "ts=" + sdkTS + ";h2=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"Stripe's form", "t=" + sdkTS + ",v1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"8 h1, the good one last", "ts=" + sdkTS + strings.Repeat(";h1="+rotationSig, 7) + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, nil},
		{"9 h1 is more than any rotation sends", "ts=" + sdkTS + strings.Repeat(";h1="+rotationSig, 8) + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"9 h1, malformed ones counted too", "ts=" + sdkTS + strings.Repeat(";h1=x", 8) + ";h1=" + sdkSig, nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
		{"a header over 2 KiB", one + strings.Repeat(";x=1", 600), nil, []string{sdkSecret}, 0, signedAt, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			body := sdkBody(t)
			if tc.change != nil {
				body = tc.change(body)
			}
			keys := provider.Keys{paddle.SecretKeys: tc.secrets}
			verifier := paddle.Provider.NewVerifier(provider.Config{Tolerance: tc.tolerance})
			verified, err := verifier.Verify(context.Background(), delivery(tc.header, body), keys, tc.now)
			is.Equal(err, tc.want)
			if err == nil {
				is.Equal(verified, provider.Verified{Provider: paddle.Name})
			}
		})
	}
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, paddle.Provider, provider.Config{}, "testdata/vectors.json")
}

func TestSignatureMatchesPublishedScheme(t *testing.T) {
	is := is.New(t)
	signedAt := time.Unix(1710929255, 0)
	is.Equal(paddle.Signature(sdkBody(t), sdkSecret, signedAt), "ts="+sdkTS+";h1="+sdkSig)
	is.Equal(paddle.Signature(sdkBody(t), rotationSecret, signedAt), "ts="+sdkTS+";h1="+rotationSig)
}

func TestSign(t *testing.T) {
	is := is.New(t)
	body := sdkBody(t)
	d, err := paddle.Provider.Development.Sign(body, provider.Keys{paddle.SecretKeys: {sdkSecret, rotationSecret}}, provider.Message{EventID: sdkEventID, At: time.Unix(1710929255, 0)})
	is.NoErr(err)
	is.Equal(d.Header.Get("Paddle-Signature"), "ts="+sdkTS+";h1="+sdkSig) // the first key signs
	is.Equal(d.Header.Get("Content-Type"), "application/json")
	is.Equal(d.Body, body)

	_, err = paddle.Provider.Development.Sign(body, provider.Keys{}, provider.Message{At: time.Now()})
	is.True(errors.Is(err, provider.ErrNoSigningKey))
}

func TestSignatureHeaders(t *testing.T) {
	is.New(t).Equal(paddle.Verifier{}.SignatureHeaders(), []string{"Paddle-Signature"})
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		id, typ    string
		at         time.Time
	}{
		{"the Go SDK's signed price.created", "testdata/bodies/go_price_created.json", sdkEventID, "price.created", time.Date(2024, 3, 20, 10, 7, 35, 590857000, time.UTC)},
		{"the envelope after data", "testdata/examples/transaction-paid.json", "evt_01gxwxwnba186hj04xy8hf6wkd", "transaction.paid", time.Date(2023, 4, 13, 9, 7, 6, 401607000, time.UTC)},
		{"adjustment.created", "testdata/examples/adjustment-created.json", "evt_01h8c6tc8aa58zqj6h8a13r103", "adjustment.created", time.Date(2023, 8, 21, 14, 8, 43, 786457000, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			body := readFile(t, tc.file)
			envelopes, err := paddle.Verifier{}.Parse(provider.Delivery{Body: body})
			is.NoErr(err)
			is.Equal(envelopes, []provider.Envelope{{EventID: tc.id, EventType: tc.typ, OccurredAt: tc.at, Body: body}})
		})
	}
}

// Each notification destination gets its own notification_id for the same
// event: the event_id is what makes a second destination's, or a replay's,
// a duplicate.
func TestParseKeysByEventIDNotNotificationID(t *testing.T) {
	is := is.New(t)
	var ids []string
	for _, body := range []string{
		`{"event_id":"evt_01h8e1jxjnw9ra6zarhnz1a7y1","event_type":"transaction.completed","occurred_at":"2023-08-22T07:15:45.366122Z","notification_id":"ntf_01h8e1jxna32kc43ev1vkqsq8x","data":{}}`,
		`{"event_id":"evt_01h8e1jxjnw9ra6zarhnz1a7y1","event_type":"transaction.completed","occurred_at":"2023-08-22T07:15:45.366122Z","notification_id":"ntf_01h8e1k0000000000000000000","data":{}}`,
	} {
		envelopes, err := paddle.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
		is.NoErr(err)
		ids = append(ids, envelopes[0].EventID)
	}
	is.Equal(ids, []string{"evt_01h8e1jxjnw9ra6zarhnz1a7y1", "evt_01h8e1jxjnw9ra6zarhnz1a7y1"})
}

func TestParseLeavesAnOddTimeZero(t *testing.T) {
	is := is.New(t)
	for _, body := range []string{
		`{"event_id":"evt_1","event_type":"transaction.paid"}`,
		`{"event_id":"evt_1","event_type":"transaction.paid","occurred_at":1681376826}`,
		`{"event_id":"evt_1","event_type":"transaction.paid","occurred_at":"yesterday"}`,
		`{"event_id":"evt_1","event_type":"transaction.paid","occurred_at":null}`,
	} {
		envelopes, err := paddle.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
		is.NoErr(err)
		is.True(envelopes[0].OccurredAt.IsZero())
	}
}

func TestParseRefusesWhatIsNoEvent(t *testing.T) {
	for _, body := range []string{``, `not json`, `[]`, `null`, `{"event_type":"transaction.paid"}`, `{"event_id":"evt_1"}`,
		`{"notification_id":"ntf_1","event_type":"transaction.paid"}`, `{"event_id":"evt_1\n","event_type":"transaction.paid"}`,
		`{"event_id":1,"event_type":"transaction.paid"}`, `{"event_id":"` + strings.Repeat("e", 257) + `","event_type":"transaction.paid"}`} {
		_, err := paddle.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
		is.New(t).Equal(err, provider.ErrMalformedPayload)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("ts="+sdkTS+";h1="+sdkSig, []byte(`{"event_id":"evt_1","event_type":"transaction.paid"}`))
	f.Add("ts=1;h1=dummy;h1=;h2=x;;=", []byte(`{}`))
	f.Add("ts=-1;ts=2;h1=00", []byte(nil))
	keys := provider.Keys{paddle.SecretKeys: {"pdl_ntfset_fuzz"}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Paddle-Signature": {header}}, Body: body}
		_, err := paddle.Verifier{}.Verify(context.Background(), d, keys, time.Unix(1710929255, 0))
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := paddle.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}
