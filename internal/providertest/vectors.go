package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Vector is one published delivery and what verifying it must give, as
// kept in a provider's testdata/vectors.json (each one's source in
// testdata/ORIGIN.md).
type Vector struct {
	Name string `json:"name"`
	// Keys are raw setting values, as in the environment.
	Keys    map[string]string `json:"keys"`
	Headers map[string]string `json:"headers"`
	// Body is the delivery's body, or BodyFile names a file beside
	// vectors.json holding it byte for byte.
	Body     string `json:"body"`
	BodyFile string `json:"body_file"`
	// At is when the delivery is verified (RFC 3339), for signed timestamps.
	At   time.Time `json:"at"`
	Want string    `json:"want"`
	// Events are the event ids a verified delivery parses to, when given.
	Events []string `json:"events"`
	// NoTamper skips the automatic tampered variant: a vector whose body
	// carries unsigned fields (a provider that signs some fields, not the
	// body) lists its own tampered variants instead.
	NoTamper bool `json:"no_tamper"`
}

// Outcomes as vectors name them.
var outcomes = map[string]error{
	"verified":                   nil,
	"missing_signature":          provider.ErrMissingSignature,
	"invalid_signature":          provider.ErrInvalidSignature,
	"timestamp_out_of_tolerance": provider.ErrTimestampOutOfTolerance,
	"malformed_payload":          provider.ErrMalformedPayload,
}

// RunVectors verifies every vector of path with p's verifier, and, for
// each one that verifies, the same delivery with one byte of its body
// changed, which must not.
func RunVectors(t *testing.T, p provider.Provider, c provider.Config, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("published vectors: %v", err)
	}
	var file struct {
		Vectors []Vector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(file.Vectors) == 0 {
		t.Fatalf("%s holds no vectors", path)
	}
	verifier := p.NewVerifier(c)
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			want, known := outcomes[v.Want]
			if !known {
				t.Fatalf("unknown outcome %q", v.Want)
			}
			body := []byte(v.Body)
			if v.BodyFile != "" {
				if body, err = os.ReadFile(filepath.Join(filepath.Dir(path), v.BodyFile)); err != nil {
					t.Fatal(err)
				}
			}
			keys := provider.Keys{}
			for _, s := range p.Settings {
				if values := s.Values(v.Keys[s.Name]); len(values) > 0 {
					keys[s.Name] = values
				}
			}
			header := http.Header{}
			for name, value := range v.Headers {
				header.Set(name, value)
			}
			d := provider.Delivery{Header: header, Body: body}
			_, err := verifier.Verify(context.Background(), d, keys, v.At)
			if err == nil && errors.Is(want, provider.ErrMalformedPayload) {
				// A verifier that checks the signature alone leaves the
				// body to Parse, which the receiver calls next.
				_, err = verifier.Parse(d)
			}
			if !errors.Is(err, want) || (want == nil && err != nil) {
				t.Fatalf("got %v, want %s", err, v.Want)
			}
			if want != nil {
				return
			}
			if v.Events != nil {
				envelopes, err := verifier.Parse(d)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				ids := make([]string, len(envelopes))
				for i, e := range envelopes {
					ids[i] = e.EventID
				}
				if !slices.Equal(ids, v.Events) {
					t.Fatalf("parsed events %q, want %q", ids, v.Events)
				}
			}
			if !v.NoTamper {
				tampered := provider.Delivery{Header: header, Body: tamper(body)}
				if _, err := verifier.Verify(context.Background(), tampered, keys, v.At); err == nil {
					t.Fatal("the vector with one byte of its body changed still verifies")
				}
			}
		})
	}
}

// tamper changes one byte of body: its first digit, or else its first
// byte.
func tamper(body []byte) []byte {
	out := append([]byte(nil), body...)
	for i, b := range out {
		if b >= '0' && b <= '9' {
			out[i] = '0' + (b-'0'+1)%10
			return out
		}
	}
	if len(out) == 0 {
		return []byte{' '}
	}
	out[0] ^= 0x20
	return out
}
