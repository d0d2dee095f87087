package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"
)

// stripeMockPackage is Stripe's own mock of its API, served from Stripe's
// OpenAPI document and fixtures.
const stripeMockPackage = "github.com/stripe/stripe-mock@v0.203.0"

// StripeMockKey is a key stripe-mock accepts: any test-mode secret key
// that looks right does; without one it answers 401.
const StripeMockKey = "sk_test_123"

var stripeMock struct {
	once sync.Once
	url  string
	err  error
}

// StripeMock returns the base URL of this process's stripe-mock.
//
// stripe-mock validates requests against Stripe's spec but answers from
// fixtures: it keeps no state and ignores filters and pagination. At
// v0.203.0, GET /v1/events (checked with limit, created[gte], type,
// starting_after and ending_before) always answers the same one-event
// list:
//
//	{"object":"list","url":"/v1/events","has_more":false,
//	 "data":[{"id":"evt_1Pgc76B7WZ01zgkWwyRHS12y","object":"event",
//	          "type":"plan.created","created":1234567890,...}]}
//
// has_more is always false and limit is not even bounded (limit=1000 is
// accepted; Stripe allows 1 to 100). GET /v1/events/{id} echoes the id
// asked for into the same fixture event. Unknown parameters and malformed
// ones (created=abc) are refused with 400. So stripe-mock proves that
// requests are well formed and responses parse; what a reconciliation
// finds across pages and windows needs a stand-in that keeps events.
func StripeMock(t testing.TB) string {
	t.Helper()
	stripeMock.once.Do(func() { stripeMock.url, stripeMock.err = startStripeMock(startDeadline(t)) })
	if stripeMock.err != nil {
		t.Fatal(stripeMock.err)
	}
	return stripeMock.url
}

// listeningHTTP is the line in which stripe-mock says where it listens.
var listeningHTTP = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

func startStripeMock(deadline time.Time) (string, error) {
	binary, err := goInstall(stripeMockPackage, deadline)
	if err != nil {
		return "", fmt.Errorf("stripe-mock: %w", err)
	}
	// -http-addr rather than -http-port: the port flag listens on every
	// interface, and a test's stand-in belongs on loopback only. Both ports
	// are of the system's choosing (HTTPS would otherwise be on the fixed
	// port 12112, and fail when test packages run stripe-mock side by
	// side); stripe-mock prints the one it got.
	c, err := startChild("stripe-mock", deadline, exec.Command(binary, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:"))
	if err != nil {
		return "", err
	}
	addr, err := c.waitAddress(listeningHTTP)
	if err != nil {
		return "", err
	}
	url := "http://" + addr
	client := &http.Client{Timeout: time.Second}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("stripe-mock listens on %q: %w", addr, err)
	}
	return url, c.waitReady(url, []string{port}, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/balance", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+StripeMockKey)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close() // only the status matters
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /v1/balance: %s", resp.Status)
		}
		return nil
	})
}
