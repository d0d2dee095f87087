package standard_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/standard"
)

// Published vectors from the standard-webhooks Go library's tests.
const (
	standardSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	standardPublicKey = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="
	standardID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	standardTimestamp = "1614265330"
	standardBody      = `{"test": 2432232314}`
	standardHMACSig   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	standardEdSig     = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=="
)

func standardDelivery(id, timestamp, signature, body string) provider.Delivery {
	h := http.Header{}
	for name, value := range map[string]string{"webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature} {
		if value != "" {
			h.Set(name, value)
		}
	}
	return provider.Delivery{Header: h, Body: []byte(body)}
}

func TestVerify(t *testing.T) {
	signedAt := time.Unix(1614265330, 0)
	cases := []struct {
		name      string
		id        string
		timestamp string
		signature string
		body      string
		keys      []string
		now       time.Time
		want      error
	}{
		{"published HMAC vector", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, nil},
		{"published Ed25519 vector", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardPublicKey}, signedAt, nil},
		{"several signatures, one good", standardID, standardTimestamp, "v1,Zm9v " + standardHMACSig + " v2,xyz", standardBody, []string{standardSecret}, signedAt, nil},
		{"mixed key types", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardSecret, standardPublicKey}, signedAt, nil},
		{"299 s either way", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(-299 * time.Second), nil},
		{"stale", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"from the future", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(-301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"HMAC: tampered body", standardID, standardTimestamp, standardHMACSig, `{"test": 2432232315}`, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC: tampered id", "msg_p5jXN8AQM9LWM0D4loKWxJeK", standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC: tampered timestamp", standardID, "1614265331", standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"Ed25519: tampered body", standardID, standardTimestamp, standardEdSig, `{"test": 2432232315}`, []string{standardPublicKey}, signedAt, provider.ErrInvalidSignature},
		{"Ed25519 signature, only an HMAC secret", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC signature labelled v1a", standardID, standardTimestamp, "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", standardBody, []string{standardSecret, standardPublicKey}, signedAt, provider.ErrInvalidSignature},
		{"no signature header", standardID, standardTimestamp, "", standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
		{"no id header", "", standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
		{"timestamp not a number", standardID, "yesterday", standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
		{"a key bound to a sender", standardID, standardTimestamp, standardHMACSig, standardBody, []string{"acme=" + standardSecret}, signedAt, nil},
		{"three v1a candidates", standardID, standardTimestamp, standardEdSig + " " + standardEdSig[:10] + "A" + standardEdSig[11:] + " " + standardEdSig[:10] + "B" + standardEdSig[11:], standardBody, []string{standardPublicKey}, signedAt, provider.ErrMissingSignature},
		{"9 candidates", standardID, standardTimestamp, strings.Repeat("v2,x ", 8) + standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{standard.Secrets: tc.keys}
			_, err := standard.Verifier{}.Verify(context.Background(), standardDelivery(tc.id, tc.timestamp, tc.signature, tc.body), keys, tc.now)
			is.Equal(err, tc.want)
		})
	}
}

func TestADeliveryIsStoredUnderTheSenderWhoseKeyVerified(t *testing.T) {
	signedAt := time.Unix(1614265330, 0)
	cases := []struct {
		name string
		keys []string
		want string
	}{
		{"bare key: the default sender, as before senders existed", []string{standardSecret}, "standard"},
		{"named sender", []string{"billing=whsec_b3RoZXI=", "acme=" + standardSecret}, "standard:acme"},
		{"Ed25519 key of a named sender", []string{"acme=" + standardSecret, "ledger=" + standardPublicKey}, "standard:ledger"},
		{"a sender named standard is the default one", []string{"standard=" + standardSecret}, "standard"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			signature := standardHMACSig
			if strings.Contains(tc.want, "ledger") {
				signature = standardEdSig
			}
			verified, err := standard.Verifier{}.Verify(context.Background(), standardDelivery(standardID, standardTimestamp, signature, standardBody), provider.Keys{standard.Secrets: tc.keys}, signedAt)
			is.NoErr(err)
			is.Equal(verified.Provider, tc.want)
		})
	}
	t.Run("signatures by two senders' keys belong to neither", func(t *testing.T) {
		is := is.New(t)
		keys := provider.Keys{standard.Secrets: []string{"acme=" + standardSecret, "ledger=" + standardPublicKey}}
		_, err := standard.Verifier{}.Verify(context.Background(), standardDelivery(standardID, standardTimestamp, standardHMACSig+" "+standardEdSig, standardBody), keys, signedAt)
		is.Equal(err, provider.ErrInvalidSignature)
	})
}

func TestParseKeyNamesTheSender(t *testing.T) {
	for _, tc := range []struct {
		raw, sender string
		ok          bool
	}{
		{standardSecret, "standard", true},
		{"acme=" + standardSecret, "acme", true},
		{"billing-eu_2=" + standardPublicKey, "billing-eu_2", true},
		{"Acme=" + standardSecret, "", false},
		{"=" + standardSecret, "", false},
		{"a b=" + standardSecret, "", false},
		{"acme=whsec_not base64", "", false},
		{"acme", "", false},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			is := is.New(t)
			key, err := standard.ParseKey(tc.raw)
			is.Equal(err == nil, tc.ok)
			is.Equal(key.Sender, tc.sender)
		})
	}
}

func TestSignatureMatchesPublishedVector(t *testing.T) {
	is := is.New(t)
	sig, err := standard.Signature([]byte(standardBody), standardSecret, standardID, time.Unix(1614265330, 0))
	is.NoErr(err)
	is.Equal(sig, standardHMACSig)
}

func TestParseKey(t *testing.T) {
	is := is.New(t)
	for _, good := range []string{standardSecret, standardPublicKey} {
		_, err := standard.ParseKey(good)
		is.NoErr(err)
	}
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whpk_c2hvcnQ="} {
		_, err := standard.ParseKey(bad)
		is.True(err != nil)
	}
}

func TestParse(t *testing.T) {
	is := is.New(t)
	body := `{"type":"invoice.paid","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"in_1"}}`
	env, err := standard.Verifier{}.Parse(standardDelivery(standardID, standardTimestamp, standardHMACSig, body))
	is.NoErr(err)
	is.Equal(env, []provider.Envelope{{EventID: standardID, EventType: "invoice.paid", OccurredAt: time.Date(2022, 11, 3, 20, 26, 10, 344522000, time.UTC), Body: []byte(body)}})

	env, err = standard.Verifier{}.Parse(standardDelivery(standardID, standardTimestamp, "", `{"type":"x"}`))
	is.NoErr(err)
	is.Equal(env[0].OccurredAt, time.Unix(1614265330, 0).UTC()) // falls back to the signed timestamp

	_, err = standard.Verifier{}.Parse(standardDelivery(standardID, standardTimestamp, "", standardBody)) // no type
	is.Equal(err, provider.ErrMalformedPayload)
}

func FuzzVerify(f *testing.F) {
	f.Add(standardID, standardTimestamp, standardHMACSig, []byte(standardBody))
	f.Add(standardID, standardTimestamp, standardEdSig+" v1,"+standardHMACSig[3:], []byte(standardBody))
	f.Add("", "99999999999999999999", "v1a,", []byte(`{"type":""}`))
	keys := provider.Keys{standard.Secrets: {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", standardPublicKey}}
	f.Fuzz(func(t *testing.T, id, timestamp, signature string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {timestamp}, "Webhook-Signature": {signature}}, Body: body}
		_, err := standard.Verifier{}.Verify(context.Background(), d, keys, time.Unix(1700000000, 0))
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := standard.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, standard.Provider, provider.Config{}, "testdata/vectors.json")
}
