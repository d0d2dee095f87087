package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The credentials every ProviderStandins accepts. They are dummies: the
// stand-in only checks that a client sends them the provider's way.
const (
	StandinPayPalClientID     = "standin-paypal-client"
	StandinPayPalClientSecret = "standin-paypal-secret"
	StandinSquareAccessToken  = "standin-square-token"
	StandinStripeKey          = "rk_test_standin"
	StandinPaddleKey          = "pdl_sdbx_apikey_01hv97725sakkxq0yqdqef4m6p_standinStandinStandin_AAA"
	StandinGoCardlessToken    = "sandbox_standin-gocardless-token"
	StandinCheckoutKeyID      = "ack_standinstandinstandinstan"
	StandinCheckoutKeySecret  = "standin-checkout-secret"
)

// ProviderStandins is one payhook-standins process (tools/standins): the
// PayPal, Square, Stripe, Paddle, GoCardless and Checkout.com event APIs
// that reconciliation and confirmation read, on one port, checked against the providers' OpenAPI
// documents, and a control API to seed events, inject faults and read back
// what a test's code sent.
type ProviderStandins struct {
	url    string
	client *http.Client

	// PayPal's /v1/oauth2/token issues bearer tokens for these client
	// credentials (HTTP Basic auth, grant_type=client_credentials).
	PayPalClientID     string
	PayPalClientSecret string
	// Square's /v2/events accepts "Authorization: Bearer " this.
	SquareAccessToken string
	// The keys Stripe's, Paddle's and GoCardless's stand-ins accept.
	StripeKey, PaddleKey, GoCardlessToken string
	// The access key Checkout.com's token endpoint accepts.
	CheckoutKeyID, CheckoutKeySecret string
}

// StandinRequest is one provider request the stand-ins served.
type StandinRequest struct {
	Time     time.Time `json:"time"`
	Provider string    `json:"provider"` // paypal, square, stripe, paddle, gocardless or checkout
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query"` // raw, as sent
	// Body is a JSON body as sent (Square's cursor and limit are in
	// it); any other body, as a JSON string.
	Body   json.RawMessage `json:"body,omitempty"`
	Status int             `json:"status"`
	// Fault is true when an injected fault answered.
	Fault bool `json:"fault"`
	// Validation is "passed" when the response matched the provider's
	// spec; "failed: …" when it did not (the client got a 500 instead);
	// "no spec" for PayPal's token endpoint; "no route" for a path the
	// specs do not have.
	Validation string `json:"validation"`
}

// standinsListening is the line in which payhook-standins says where it
// listens.
var standinsListening = regexp.MustCompile(`payhook-standins listening on http://(\S+)`)

var standinsBinary struct {
	once sync.Once
	path string
	err  error
}

// Standins starts a payhook-standins process of the test's own, so what
// one test seeds or breaks no other sees, and stops it when the test ends.
// The binary is built from tools/standins once per test process.
func Standins(t testing.TB) *ProviderStandins {
	t.Helper()
	standinsBinary.once.Do(func() { standinsBinary.path, standinsBinary.err = buildStandins() })
	if standinsBinary.err != nil {
		t.Fatalf("payhook-standins: %v", standinsBinary.err)
	}
	s := &ProviderStandins{
		// Seeding thousands of events, each checked against the
		// provider's schema, is slow on a loaded machine.
		client:             &http.Client{Timeout: time.Minute},
		PayPalClientID:     StandinPayPalClientID,
		PayPalClientSecret: StandinPayPalClientSecret,
		SquareAccessToken:  StandinSquareAccessToken,
		StripeKey:          StandinStripeKey,
		PaddleKey:          StandinPaddleKey,
		GoCardlessToken:    StandinGoCardlessToken,
		CheckoutKeyID:      StandinCheckoutKeyID,
		CheckoutKeySecret:  StandinCheckoutKeySecret,
	}
	// Port 0: it listens on a port of the system's choosing and prints it.
	c, err := startChild("payhook-standins", startDeadline(t), exec.Command(standinsBinary.path, "-addr", "127.0.0.1:0",
		"-paypal-client-id", s.PayPalClientID, "-paypal-client-secret", s.PayPalClientSecret,
		"-square-token", s.SquareAccessToken, "-stripe-key", s.StripeKey, "-paddle-key", s.PaddleKey, "-gocardless-token", s.GoCardlessToken,
		"-checkout-client-id", s.CheckoutKeyID, "-checkout-client-secret", s.CheckoutKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("payhook-standins output:\n%s", c.output.String())
		}
	})
	addr, err := c.waitAddress(standinsListening)
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + addr
	err = c.waitReady(s.url, nil, func(ctx context.Context) error {
		return s.do(ctx, http.MethodGet, "/_standin/health", nil, http.StatusOK, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// URL is the stand-ins' base URL for PayPal (its paths start /v1/) and
// Square (/v2/).
func (s *ProviderStandins) URL() string { return s.url }

// StripeURL, PaddleURL and GoCardlessURL are those providers' API base
// URLs, each under its own path on the one port.
func (s *ProviderStandins) StripeURL() string     { return s.url + "/stripe" }
func (s *ProviderStandins) PaddleURL() string     { return s.url + "/paddle" }
func (s *ProviderStandins) GoCardlessURL() string { return s.url + "/gocardless" }

// CheckoutURL is Checkout.com's API base URL, which serves its token
// endpoint too.
func (s *ProviderStandins) CheckoutURL() string { return s.url + "/checkout" }

// SeedPayPal adds webhook events exactly as PayPal's API returns them
// (id, create_time, event_type, resource, ...). The stand-in refuses, and
// the test fails on, an event that does not match PayPal's event schema.
func (s *ProviderStandins) SeedPayPal(t testing.TB, events ...json.RawMessage) {
	t.Helper()
	s.seed(t, "paypal", events)
}

// SeedSquare adds events exactly as Square's API returns them (event_id,
// created_at, type, merchant_id, location_id, data). Square searches only
// the last 28 days: older events are kept but never returned.
func (s *ProviderStandins) SeedSquare(t testing.TB, events ...json.RawMessage) {
	t.Helper()
	s.seed(t, "square", events)
}

// Seed adds events of provider (stripe, paddle, gocardless, ...) exactly
// as its API returns them; the stand-in refuses, and the test fails on,
// an event that does not match the provider's event schema.
func (s *ProviderStandins) Seed(t testing.TB, provider string, events ...json.RawMessage) {
	t.Helper()
	s.seed(t, provider, events)
}

// SeedGoCardless adds GoCardless payments or refunds (kind "payments" or
// "refunds"), served by id as GoCardless's API returns them.
func (s *ProviderStandins) SeedGoCardless(t testing.TB, kind string, resources ...json.RawMessage) {
	t.Helper()
	if err := s.do(context.Background(), http.MethodPost, "/_standin/gocardless/"+kind, resources, http.StatusCreated, nil); err != nil {
		t.Fatalf("seed GoCardless %s: %v", kind, err)
	}
}

func (s *ProviderStandins) seed(t testing.TB, provider string, events []json.RawMessage) {
	t.Helper()
	if events == nil {
		events = []json.RawMessage{}
	}
	if err := s.do(context.Background(), http.MethodPost, "/_standin/"+provider+"/events", events, http.StatusCreated, nil); err != nil {
		t.Fatalf("seed %s events: %v", provider, err)
	}
}

// GeneratePayPal and GenerateSquare add n events made from a template
// (Square's: the spec's own example) with fresh ids, created a second
// apart and ending now, and return them as the API will.
func (s *ProviderStandins) GeneratePayPal(t testing.TB, n int) []json.RawMessage {
	t.Helper()
	return s.generate(t, "paypal", n)
}

func (s *ProviderStandins) GenerateSquare(t testing.TB, n int) []json.RawMessage {
	t.Helper()
	return s.generate(t, "square", n)
}

// Generate adds n events of provider made from its template, created a
// second apart and ending now, and returns them as the API will.
func (s *ProviderStandins) Generate(t testing.TB, provider string, n int) []json.RawMessage {
	t.Helper()
	return s.generate(t, provider, n)
}

func (s *ProviderStandins) generate(t testing.TB, provider string, n int) []json.RawMessage {
	t.Helper()
	var events []json.RawMessage
	if err := s.do(context.Background(), http.MethodPost, "/_standin/"+provider+"/events", map[string]int{"generate": n}, http.StatusCreated, &events); err != nil {
		t.Fatalf("generate %s events: %v", provider, err)
	}
	return events
}

// Fault makes the next `times` provider requests whose path starts with
// pathPrefix fail with status, in the provider's error shape, with a
// Retry-After header when retryAfter is not "".
func (s *ProviderStandins) Fault(t testing.TB, pathPrefix string, status int, retryAfter string, times int) {
	t.Helper()
	fault := map[string]any{"path_prefix": pathPrefix, "status": status, "retry_after": retryAfter, "times": times}
	if err := s.do(context.Background(), http.MethodPost, "/_standin/faults", fault, http.StatusCreated, nil); err != nil {
		t.Fatalf("inject a fault: %v", err)
	}
}

// ClearFaults drops the faults not yet used up.
func (s *ProviderStandins) ClearFaults(t testing.TB) {
	t.Helper()
	if err := s.do(context.Background(), http.MethodDelete, "/_standin/faults", nil, http.StatusNoContent, nil); err != nil {
		t.Fatalf("clear faults: %v", err)
	}
}

// RevokePayPalTokens makes every PayPal access token issued so far
// answer 401, as an expired one does.
func (s *ProviderStandins) RevokePayPalTokens(t testing.TB) {
	t.Helper()
	if err := s.do(context.Background(), http.MethodDelete, "/_standin/paypal/tokens", nil, http.StatusNoContent, nil); err != nil {
		t.Fatalf("revoke PayPal tokens: %v", err)
	}
}

// Requests lists the provider requests served so far, oldest first.
func (s *ProviderStandins) Requests(t testing.TB) []StandinRequest {
	t.Helper()
	var served []StandinRequest
	if err := s.do(context.Background(), http.MethodGet, "/_standin/requests", nil, http.StatusOK, &served); err != nil {
		t.Fatalf("list the stand-ins' requests: %v", err)
	}
	return served
}

// do calls the control API: sends in as JSON, expects status, decodes
// the answer into out.
func (s *ProviderStandins) do(ctx context.Context, method, path string, in any, status int, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// buildStandins builds tools/standins, a module of its own so that its
// OpenAPI validator stays out of payhook's go.mod, into the cache, apart
// for each checkout. Test
// binaries run in parallel, so the build holds a file lock; a running
// stand-in keeps the binary it started from when a later build replaces
// it.
func buildStandins() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	// One binary per checkout: another checkout's build (a worktree on
	// another branch, whose stand-ins take other flags) never replaces it.
	tree := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "payhook-standins", hex.EncodeToString(tree[:6]))
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	binary := filepath.Join(dir, "payhook-standins")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".")
	build.Dir = filepath.Join(root, "tools", "standins")
	// The module's own go.mod and go.sum decide; none of the caller's
	// flags (-mod=vendor) apply to it.
	build.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s (needs the Go module proxy once, for kin-openapi): %w\n%s", build.Dir, err, out)
	}
	return binary, nil
}

// repoRoot walks up from the working directory (a test runs in its
// package's directory) to payhook's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if module, err := moduleOf(filepath.Join(dir, "go.mod")); err == nil && module == "github.com/payhook/payhook" {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of github.com/payhook/payhook above the working directory")
		}
		dir = parent
	}
}

// moduleOf reads the module path a go.mod declares.
func moduleOf(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if module, ok := strings.CutPrefix(strings.TrimSpace(scanner.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(module), `"`), nil
		}
	}
	return "", fmt.Errorf("%s declares no module", goMod)
}
