package standard_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/standard"
)

// BenchmarkStandardCandidates measures what a webhook-signature header
// listing many candidates costs the receiver, against one genuine
// signature over the same 250 KB body: the bound that keeps a header from
// multiplying work (docs/benchmarks.md).
func BenchmarkStandardCandidates(b *testing.B) {
	body := bytes.Repeat([]byte(`{"k":"v"},`), 25_000)
	at := time.Unix(1614265330, 0)
	genuine, err := standard.Signature(body, standardSecret, standardID, at)
	if err != nil {
		b.Fatal(err)
	}
	public, private, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	edKey := "whpk_" + base64.StdEncoding.EncodeToString(public)
	content := append([]byte(standardID+"."+strconv.FormatInt(at.Unix(), 10)+"."), body...)
	edGenuine := "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(private, content))
	forgedCandidates := func(n int) string {
		candidates := make([]string, n)
		for i := range candidates {
			sum := sha256.Sum256([]byte(strconv.Itoa(i)))
			candidates[i] = "v1," + base64.StdEncoding.EncodeToString(sum[:])
		}
		return strings.Join(candidates, " ")
	}
	// Distinct v1a values of the right shape, each a full Ed25519 check: the
	// costliest header the bounds allow.
	forgedEd25519 := make([]string, provider.MaxEd25519Candidates)
	for i := range forgedEd25519 {
		signature := sha512.Sum512([]byte(strconv.Itoa(i)))
		signature[63] &= 0x0f // a canonical scalar, so the check runs in full
		forgedEd25519[i] = "v1a," + base64.StdEncoding.EncodeToString(signature[:])
	}
	ed25519Candidates := strings.Join(forgedEd25519, " ") + " " + genuine
	cases := []struct {
		name, header string
		keys         []string
	}{
		{"one genuine candidate", genuine, []string{standardSecret}},
		{"one genuine v1a candidate, one Ed25519 key", edGenuine, []string{edKey}},
		{"8 candidates, the genuine one last", forgedCandidates(provider.MaxSignatureCandidates-1) + " " + genuine, []string{standardSecret}},
		{"10000 forged candidates", forgedCandidates(10_000), []string{standardSecret}},
		{"2 forged v1a and the genuine v1, one HMAC and one Ed25519 key", ed25519Candidates, []string{standardSecret, edKey}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			d := provider.Delivery{Header: http.Header{}, Body: body}
			d.Header.Set("Webhook-Id", standardID)
			d.Header.Set("Webhook-Timestamp", strconv.FormatInt(at.Unix(), 10))
			d.Header.Set("Webhook-Signature", tc.header)
			keys := provider.Keys{standard.Secrets: tc.keys}
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_, _ = standard.Verifier{}.Verify(context.Background(), d, keys, at) // the cost is the result
			}
		})
	}
}
