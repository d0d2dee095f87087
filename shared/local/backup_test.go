//go:build unix

package local_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
)

// TestASlowBackupReaderDoesNotStopDeliveries: a reader that takes the
// first bytes of a backup from serve and then no more (a slow link, or
// an attacker with the token) holds nothing that deliveries wait for.
// Deliveries that grow the store are still acknowledged while it stalls,
// and a second backup meanwhile is refused with 409.
func TestASlowBackupReaderDoesNotStopDeliveries(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	// A store larger than the sockets between serve and the reader hold,
	// so that serve's writes of the backup stall.
	for i := range 48 {
		is.NoErr(postLarge(s, fmt.Sprintf("evt_large_before_%d", i)))
	}

	stalled := stalledReader(t, info, local.BackupPathForTest)
	defer stalled.Close()
	// Each of these grows the file past what it maps: bbolt then remaps
	// it, which waits for every read transaction to end.
	var mu sync.Mutex
	var answers []error
	go func() {
		for i := range 48 {
			err := postLarge(s, fmt.Sprintf("evt_large_during_%d", i))
			mu.Lock()
			answers = append(answers, err)
			mu.Unlock()
		}
	}()
	wait.Until(t, 2*time.Minute, "every delivery acknowledged while the backup's reader stalls", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(answers) == 48
	})
	for _, err := range answers {
		is.NoErr(err)
	}
	second := request(t, http.MethodGet, s.AdminURL+local.BackupPathForTest, info.Token, nil)
	is.Equal(second.StatusCode, http.StatusConflict)
}

// postLarge delivers a signed Stripe event of 200 KB, near the
// receiver's largest body; an error unless it is acknowledged.
func postLarge(s *local.Server, id string) error {
	body, _, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: id, PaymentID: "pi_" + id})
	if err != nil {
		return err
	}
	// Random, so that it stays as large at rest, where bodies are gzipped.
	padding := make([]byte, 150<<10)
	rand.Read(padding)
	body = append([]byte(`{"padding":"`+base64.StdEncoding.EncodeToString(padding)+`",`), body[1:]...)
	signed, err := samples.Sign("stripe", body, s.Keys, id, time.Now())
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/webhook/stripe", bytes.NewReader(signed.Body))
	req.Header = signed.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", id, resp.Status)
	}
	return nil
}

// stalledReader asks serve for path with the token, reads the first
// bytes of the answer and no more, over a connection whose receive
// buffer is as small as the system allows.
func stalledReader(t *testing.T, info local.ServeInfo, path string) io.Closer {
	t.Helper()
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if controlErr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); controlErr != nil {
			return controlErr
		}
		return err
	}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, info.AdminURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+info.Token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("backup: %s", resp.Status)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 512)); err != nil {
		t.Fatal(err)
	}
	return resp.Body
}
