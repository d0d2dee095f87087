// Command payhook-standins serves local stand-ins for the providers' event
// APIs that payhook's reconciliation reads, on one port: PayPal's webhook
// events (/v1/...), Square's events search (/v2/...), Stripe's events
// (/stripe/v1/events), Paddle's event stream (/paddle/events) and
// GoCardless's events, payments and refunds (/gocardless/...), plus a
// control API under /_standin/ through which a test seeds events, injects
// faults and reads back the requests it made.
//
// Every response on a provider path is validated against the provider's
// own OpenAPI document (specs/, trimmed) before it is written, and every
// request against it before it is served: a stand-in that drifts from the
// spec answers 500, a client that sends what the real API would refuse
// gets the provider's 400.
//
//	payhook-standins -addr 127.0.0.1:8080
//
// The control API (all JSON):
//
//	POST   /_standin/{provider}/events       a JSON array of events as the API returns them, or {"generate":N}
//	GET    /_standin/{provider}/events       what is seeded
//	DELETE /_standin/{provider}/events       forget them
//	POST   /_standin/gocardless/{payments,refunds}  a JSON array of them, served by id (GET lists, DELETE forgets)
//	POST   /_standin/faults                  {"path_prefix":"/v2/events","method":"POST","status":429,"retry_after":"1","times":2}
//	GET    /_standin/faults                  the faults not yet used up; DELETE clears them
//	GET    /_standin/requests                the provider requests served; DELETE forgets them
//	PUT    /_standin/paypal/credentials      {"client_id":"…","client_secret":"…"}
//	DELETE /_standin/paypal/tokens           revoke every issued access token
//	PUT    /_standin/square/token            {"access_token":"…"}
//	GET    /_standin/health                  200 once serving
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on (port 0: any free port)")
	cfg := DefaultConfig()
	flag.StringVar(&cfg.PayPalClientID, "paypal-client-id", cfg.PayPalClientID, "the PayPal client id /v1/oauth2/token accepts")
	flag.StringVar(&cfg.PayPalClientSecret, "paypal-client-secret", cfg.PayPalClientSecret, "the PayPal client secret /v1/oauth2/token accepts")
	flag.DurationVar(&cfg.PayPalTokenTTL, "paypal-token-ttl", cfg.PayPalTokenTTL, "how long an issued PayPal access token lasts (expires_in)")
	flag.StringVar(&cfg.SquareToken, "square-token", cfg.SquareToken, "the Square access token /v2/events accepts")
	flag.DurationVar(&cfg.SquareRetention, "square-retention", cfg.SquareRetention, "how far back Square's events search reaches (0: forever)")
	flag.StringVar(&cfg.StripeKey, "stripe-key", cfg.StripeKey, "the Stripe API key /stripe/v1/events accepts")
	flag.StringVar(&cfg.PaddleKey, "paddle-key", cfg.PaddleKey, "the Paddle API key /paddle/events accepts")
	flag.StringVar(&cfg.GoCardlessToken, "gocardless-token", cfg.GoCardlessToken, "the GoCardless access token /gocardless/ accepts")
	flag.Parse()

	cfg.Log = log.New(os.Stderr, "payhook-standins: ", log.LstdFlags|log.Lmicroseconds)
	standins, err := New(cfg)
	if err != nil {
		cfg.Log.Fatal(err)
	}
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		cfg.Log.Fatal(err)
	}
	// Tests read this line when they asked for port 0.
	fmt.Printf("payhook-standins listening on http://%s\n", listener.Addr())
	server := &http.Server{Handler: standins, ReadHeaderTimeout: 10 * time.Second}
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		cfg.Log.Fatal(err)
	}
}
