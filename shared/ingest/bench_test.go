package ingest_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/square"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/store/memory"
)

// benchPool is how many distinct signed deliveries each provider gets;
// past that the benchmark loop sends them again, as duplicates. PayPal's
// are RSA-signed, which is slow to prepare.
const benchPool = 1024

var benchDeliveries struct {
	once sync.Once
	keys provider.Keys
	byP  map[string][]ingest.Request
}

// deliveries are pre-signed, realistic deliveries for every provider.
func deliveries(b *testing.B) (provider.Keys, map[string][]ingest.Request) {
	benchDeliveries.once.Do(func() {
		keys := testKeys(b)
		keys[standard.Secrets] = []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="}
		benchDeliveries.keys, benchDeliveries.byP = keys, map[string][]ingest.Request{}
		for _, p := range registry.All {
			for i := range benchPool {
				body, id, _ := p.Development.Sample(p.Development.EventTypes()[0], provider.SampleOptions{EventID: fmt.Sprintf("bench-%s-%d", p.Name, i)})
				signed, err := samples.Sign(p.Name, body, keys, id, time.Now())
				if err != nil {
					panic(err)
				}
				benchDeliveries.byP[p.Name] = append(benchDeliveries.byP[p.Name], ingest.Request{Method: "POST", Provider: p.Name, Header: signed.Header, Body: signed.Body, SourceIP: "127.0.0.1", RequestID: "bench"})
			}
		}
	})
	return benchDeliveries.keys, benchDeliveries.byP
}

// BenchmarkReceiver is the hot path: verify, parse, validate and store.
// "discard" stores nothing (the receiver's own cost), "memory" keeps a map,
// "embedded" is bbolt with fsync off. Compare with BenchmarkVerifyFloor.
func BenchmarkReceiver(b *testing.B) {
	keys, byProvider := deliveries(b)
	var cfg config.Receiver
	if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		b.Fatal(err)
	}
	stores := map[string]func(b *testing.B) store.Webhooks{
		"discard": func(*testing.B) store.Webhooks { return discard{} },
		"memory":  func(*testing.B) store.Webhooks { return memory.New() },
		"embedded": func(b *testing.B) store.Webhooks {
			s, err := embedded.Open(filepath.Join(b.TempDir(), "bench.db"), embedded.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range registry.Names() {
		for _, storeName := range []string{"discard", "memory", "embedded"} {
			b.Run(name+"/"+storeName, func(b *testing.B) {
				receiver := ingest.New(cfg, secrets.Static(keys), stores[storeName](b), devCerts(b), observe.NewLogger(io.Discard, "info", "bench"))
				requests := byProvider[name]
				ctx := context.Background()
				receiver.Handle(ctx, requests[0]) // warms PayPal's certificate cache, as in steady state
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if resp := receiver.Handle(ctx, requests[i%len(requests)]); resp.Status != 200 {
						b.Fatalf("status %d: %s", resp.Status, resp.Body)
					}
				}
			})
		}
	}
}

type discard struct{}

func (discard) PutWebhook(context.Context, store.Webhook) (bool, error) { return true, nil }
func (discard) PutWebhooks(_ context.Context, ws []store.Webhook) ([]bool, error) {
	return make([]bool, len(ws)), nil
}
func (discard) BindTransmission(context.Context, store.Binding) (bool, error) { return true, nil }
func (discard) GetWebhook(context.Context, string, string) (store.Webhook, error) {
	return store.Webhook{}, store.ErrNotFound
}

// BenchmarkReceiverConcurrentDurable is the embedded store as payhook
// serve runs it, fsync on, with 64 deliveries in flight sharing commits.
func BenchmarkReceiverConcurrentDurable(b *testing.B) {
	keys, byProvider := deliveries(b)
	var cfg config.Receiver
	if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		b.Fatal(err)
	}
	s, err := embedded.Open(filepath.Join(b.TempDir(), "bench.db"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	receiver := ingest.New(cfg, secrets.Static(keys), s, devCerts(b), observe.NewLogger(io.Discard, "info", "bench"))
	requests := byProvider["stripe"]
	var next atomic.Int64
	b.SetParallelism(32) // 64 senders on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			req := requests[i%int64(len(requests))]
			if resp := receiver.Handle(context.Background(), req); resp.Status != 200 {
				b.Errorf("status %d", resp.Status)
			}
		}
	})
}

// BenchmarkVerifyFloor is the bare cryptographic check of the same bodies,
// written with the standard library alone: what no receiver can go below.
func BenchmarkVerifyFloor(b *testing.B) {
	keys, byProvider := deliveries(b)
	pick := func(name string) ingest.Request { return byProvider[name][0] }
	b.Run("stripe", func(b *testing.B) {
		req := pick("stripe")
		header := req.Header.Get("Stripe-Signature")
		t, sig := header[2:12], header[16:]
		want, _ := hex.DecodeString(sig)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			mac := hmac.New(sha256.New, []byte(keys.Value(stripe.SigningSecrets)))
			mac.Write([]byte(t + "."))
			mac.Write(req.Body)
			if !hmac.Equal(mac.Sum(nil), want) {
				b.Fatal("floor check failed")
			}
		}
	})
	b.Run("square", func(b *testing.B) {
		req := pick("square")
		want, _ := base64.StdEncoding.DecodeString(req.Header.Get("X-Square-Hmacsha256-Signature"))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			mac := hmac.New(sha256.New, []byte(keys.Value(square.SignatureKeys)))
			mac.Write([]byte(keys.Value(square.NotificationURL)))
			mac.Write(req.Body)
			if !hmac.Equal(mac.Sum(nil), want) {
				b.Fatal("floor check failed")
			}
		}
	})
	b.Run("standard", func(b *testing.B) {
		req := pick("standard")
		secret, _ := base64.StdEncoding.DecodeString(keys.Value(standard.Secrets)[len("whsec_"):])
		want, _ := base64.StdEncoding.DecodeString(req.Header.Get("Webhook-Signature")[3:])
		content := []byte(req.Header.Get("Webhook-Id") + "." + req.Header.Get("Webhook-Timestamp") + ".")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			mac := hmac.New(sha256.New, secret)
			mac.Write(content)
			mac.Write(req.Body)
			if !hmac.Equal(mac.Sum(nil), want) {
				b.Fatal("floor check failed")
			}
		}
	})
	b.Run("standard-ed25519", func(b *testing.B) {
		private := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		req := pick("standard")
		message := append([]byte("msg_1.1700000000."), req.Body...)
		signature := ed25519.Sign(private, message)
		public := private.Public().(ed25519.PublicKey)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if !ed25519.Verify(public, message, signature) {
				b.Fatal("floor check failed")
			}
		}
	})
	b.Run("paypal", func(b *testing.B) {
		req := pick("paypal")
		signer, err := paypal.ParseDevSigner([]byte(keys.Value(paypal.DevelopmentSigner)))
		if err != nil {
			b.Fatal(err)
		}
		public := signer.Key.Public().(*rsa.PublicKey)
		signature, _ := base64.StdEncoding.DecodeString(req.Header.Get("Paypal-Transmission-Sig"))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			content := req.Header.Get("Paypal-Transmission-Id") + "|" + req.Header.Get("Paypal-Transmission-Time") + "|" + keys.Value(paypal.WebhookID) + "|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(req.Body)), 10)
			digest := sha256.Sum256([]byte(content))
			if rsa.VerifyPKCS1v15(public, crypto.SHA256, digest[:], signature) != nil {
				b.Fatal("floor check failed")
			}
		}
	})
}
