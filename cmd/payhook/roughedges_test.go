//go:build !sandbox

package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
)

// The rough edges a new user hit (issue 24), each as that user met it.

// TestWhatServeAndItsCommandsSay: a currency send cannot send, amounts no
// event stated, a reconcile serve has no keys for, a redrive of a webhook
// that is not there, a forwarding destination never used.
func TestWhatServeAndItsCommandsSay(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, dir)

	_, stderr, code := payhook(t, "send", "stripe", "payment_intent.succeeded", "--currency", "euro", "--data", dir)
	is.Equal(code, 2) // refused before anything is sent
	is.Equal(stderr, "payhook send: --currency euro: a three-letter ISO 4217 code, such as EUR\n")
	_, stderr, code = payhook(t, "send", "stripe", "payment_intent.succeeded", "--currency", "eur", "--payment-id", "pi_eur", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	_, _, code = payhook(t, "send", "gocardless", "payments.confirmed", "--payment-id", "PM-NOAMOUNT", "--data", dir)
	is.Equal(code, 0)
	var listing string
	wait.Until(t, 15*time.Second, "both payments", func() bool {
		listing, _, _ = payhook(t, "payments", "--data", dir)
		return strings.Contains(listing, "pi_eur") && strings.Contains(listing, "PM-NOAMOUNT")
	})
	is.True(regexp.MustCompile(`pi_eur\s+succeeded\s+20\.00 EUR`).MatchString(listing))
	is.True(regexp.MustCompile(`PM-NOAMOUNT\s+succeeded\s+unknown\*`).MatchString(listing)) // not 0.00
	is.True(strings.Contains(listing, "* unknown: no event of the payment stated its amount (GoCardless's events carry none"))

	_, stderr, code = payhook(t, "reconcile", "stripe", "--data", dir)
	is.Equal(code, 1)
	is.True(strings.Contains(stderr, "reconciling Stripe needs PAYHOOK_STRIPE_API_KEY in payhook serve's environment"))

	_, stderr, code = payhook(t, "redrive", "stripe", "evt_nope", "--data", dir)
	is.Equal(code, 1)
	is.Equal(stderr, "payhook redrive: payhook serve: no webhook stripe/evt_nope is stored (payhook events lists those that are)\n")

	_, stderr, code = payhook(t, "redrive", "--forwards", "--destination", "http://typo", "--data", dir)
	is.Equal(code, 1) // not "0 queued"
	is.Equal(stderr, "payhook redrive: nothing was ever forwarded to http://typo, nor anywhere else (payhook serve --forward-to URL)\n")
}

func TestReconcileSaysWhichProcessNeedsTheKeyAndWhichProvidersCan(t *testing.T) {
	is := is.New(t)
	_, stderr, code := payhook(t, "reconcile", "stripe", "--data", storedDataDir(t))
	is.Equal(code, 1) // no serve: this shell's keys
	is.True(strings.Contains(stderr, "reconciling Stripe needs PAYHOOK_STRIPE_API_KEY in this shell's environment"))
	_, stderr, code = payhook(t, "reconcile")
	is.Equal(code, 2)
	is.Equal(stderr, "payhook reconcile: name one provider to reconcile: "+strings.Join(reconcile.Reconcilable(), ", ")+"\n")
	is.True(!strings.Contains(stderr, "adyen")) // no event API to reconcile against
}

// TestSendWhenServeHasTheEnvironmentsKeys: the banner's hint says where
// send's keys must be, and send says it too.
func TestSendWhenServeHasTheEnvironmentsKeys(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, _ := startServe(t, dir, "PAYHOOK_STRIPE_SIGNING_SECRETS=whsec_c2VjcmV0c2VjcmV0c2VjcmV0")
	_, stderr, code := payhook(t, "send", "stripe", "payment_intent.succeeded", "--data", dir)
	is.Equal(code, 1)
	is.Equal(stderr, "payhook send: no secrets to sign with: the payhook serve on "+dir+" takes its provider keys from its environment; set the same PAYHOOK_* keys in this shell\n")
	is.NoErr(serveCmd.Process.Signal(os.Interrupt))
	is.NoErr(serveCmd.Wait())
	banner := serveCmd.Stdout.(interface{ String() string }).String()
	is.True(strings.Contains(banner, "try, in a shell with the same PAYHOOK_* provider keys (send signs with them): payhook send stripe payment_intent.succeeded --data "+dir))
}

func TestEventsAndRedriveRefuseAZeroAge(t *testing.T) {
	for _, command := range []string{"events", "redrive"} {
		_, stderr, code := payhook(t, command, "--stuck", "0s", "--data", t.TempDir())
		is.New(t).Equal(code, 2) // 0s once listed every webhook
		is.New(t).Equal(stderr, "payhook "+command+": --stuck 0s: a positive duration such as 15m\n")
	}
}

// TestRedriveSaysWhatItDidAndWhatComesNext, with serve stopped: the
// webhook waits for the next serve, and a second message naming it says
// why it is removed.
func TestRedriveSaysWhatItDidAndWhatComesNext(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	ctx := context.Background()
	now := time.Now().UTC()
	_, err = st.PutWebhook(ctx, store.Webhook{Provider: "stripe", EventID: "evt_failed", EventType: "charge.succeeded", Body: []byte(`{}`),
		Status: store.StatusFailed, ReceivedAt: now, OccurredAt: now, ExpiresAt: now.Add(time.Hour), UpdatedBy: store.ByProcessor})
	is.NoErr(err)
	letter, _ := json.Marshal(deadletter.Failure{Provider: "stripe", EventID: "evt_failed", Reason: "a mapping bug"})
	dlq := st.DeadLetterQueue(local.ProcessorConsumer)
	is.NoErr(dlq.Send(ctx, letter))
	is.NoErr(dlq.Send(ctx, letter)) // failed twice, say
	is.NoErr(st.Close())

	stdout, stderr, code := payhook(t, "redrive", "--all", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.Equal(stdout, "redriven: stripe/evt_failed (status RETRY: payhook serve processes it when it next runs on "+dir+")\n"+
		"message removed, its webhook no longer FAILED: stripe/evt_failed: RETRY already: redriven before, it waits for the processor\n"+
		"1 redriven; 1 dead-letter messages removed, their webhooks no longer FAILED; 0 kept on the queue, not redriven\n")
}

// TestServeSaysWhatIsWrongWithItsAddress: every interface with
// development secrets is said aloud; a port in use points at --addr.
func TestServeSaysWhatIsWrongWithItsAddress(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	exposed := serveIn(t, dir, []string{"--addr", ":0", "--data", dir})
	banner := exposed.stop()
	is.True(strings.Contains(banner, "WARNING: serve listens beyond this machine with development secrets"))

	var lc net.ListenConfig
	taken, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	is.NoErr(err)
	defer taken.Close()
	_, stderr, code := payhook(t, "serve", "--addr", taken.Addr().String(), "--data", filepath.Join(t.TempDir(), "data"))
	is.Equal(code, 1)
	is.True(strings.HasSuffix(stderr, "address already in use: another process listens there; give serve another address with --addr (or PAYHOOK_ADDR), such as --addr 127.0.0.1:8081\n"))

	dir = filepath.Join(t.TempDir(), "data")
	quiet := serveIn(t, dir, []string{"--addr", "127.0.0.1:0", "--data", dir})
	is.True(!strings.Contains(quiet.stop(), "WARNING"))
}

func TestSendToAStoppedServeAsksWhetherItRuns(t *testing.T) {
	is := is.New(t)
	cmd := exec.Command(binary, "send", "stripe", "payment_intent.succeeded", "--url", "http://127.0.0.1:1")
	cmd.Env = append(cleanEnv(), "PAYHOOK_STRIPE_SIGNING_SECRETS=whsec_c2VjcmV0c2VjcmV0c2VjcmV0")
	out, err := cmd.CombinedOutput()
	is.True(err != nil)
	is.Equal(string(out), "payhook send: nothing listens at http://127.0.0.1:1/webhook/stripe: is payhook serve running? (start it with payhook serve, or give send --url)\n")
}

// TestAuditVerifySaysWhatTheOtherCommandsSay: a data directory that does
// not exist, and one that holds no store (a typo's neighbour, an empty
// mount), get the same one line from every command that reads one, and
// none of them leaves a store behind: events once made an empty store
// there and answered "no webhooks match".
func TestAuditVerifySaysWhatTheOtherCommandsSay(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(dir string) error
		says string
	}{
		{"missing", func(string) error { return nil }, " does not exist (payhook serve --data "},
		{"without a store", func(dir string) error { return os.Mkdir(dir, 0o700) }, " holds no store (payhook.db): payhook serve --data "},
		{"with an empty payhook.db, as a failed copy leaves", func(dir string) error {
			return errors.Join(os.Mkdir(dir, 0o700), os.WriteFile(filepath.Join(dir, "payhook.db"), nil, 0o600))
		}, " holds no store (payhook.db): payhook serve --data "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			dir := filepath.Join(t.TempDir(), "data")
			is.NoErr(tc.make(dir))
			backup := filepath.Join(t.TempDir(), "b")
			for _, command := range []struct {
				name string
				args []string
			}{
				{"events", []string{"events"}}, {"payments", []string{"payments"}}, {"redrive", []string{"redrive", "--all"}},
				{"forward status", []string{"forward", "status"}}, {"audit verify", []string{"audit", "verify"}}, {"check", []string{"check"}},
				{"backup: backup " + backup, []string{"backup", backup}}, // names the file it was to write
			} {
				_, stderr, code := payhook(t, append(command.args, "--data", dir)...)
				is.Equal(code, 1)
				is.True(strings.HasPrefix(stderr, "payhook "+command.name+": data directory "+dir+tc.says))
				is.Equal(strings.Count(stderr, "\n"), 1)
				if info, err := os.Stat(filepath.Join(dir, "payhook.db")); err == nil {
					is.Equal(info.Size(), int64(0)) // nothing made of it
				} else {
					is.True(os.IsNotExist(err)) // nothing created
				}
				_, err := os.Stat(backup)
				is.True(os.IsNotExist(err)) // no backup file of nothing
			}
		})
	}
}

// TestBenchLoadsAServeOfItsOwn: bench alone writes nothing into the
// developer's data directory, and leaves nothing behind.
func TestBenchLoadsAServeOfItsOwn(t *testing.T) {
	is := is.New(t)
	cwd := t.TempDir()
	cmd := exec.Command(binary, "bench", "--concurrency", "2", "--duration", "1s", "--requests", "40")
	cmd.Dir, cmd.Env = cwd, cleanEnv()
	out, err := cmd.Output()
	is.NoErr(err)
	own := regexp.MustCompile(`a payhook serve of its own on (\S+), removed afterwards`).FindSubmatch(out)
	is.True(own != nil)
	is.True(strings.Contains(string(out), "lost 0"))
	_, err = os.Stat(string(own[1]))
	is.True(os.IsNotExist(err)) // removed
	_, err = os.Stat(filepath.Join(cwd, ".payhook"))
	is.True(os.IsNotExist(err)) // never the working directory's
}

// TestRegionComesFromTheAWSConfigurationUnlessGiven: --region used to
// default to ap-southeast-1 (or AWS_REGION), overriding the profile's.
func TestRegionComesFromTheAWSConfigurationUnlessGiven(t *testing.T) {
	is := is.New(t)
	var mu sync.Mutex
	var scopes []string
	dynamo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		scopes = append(scopes, regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/`).FindStringSubmatch(r.Header.Get("Authorization"))[1])
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`))
	}))
	defer dynamo.Close()
	home := t.TempDir()
	is.NoErr(os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	is.NoErr(os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[default]\nregion = eu-central-1\n"), 0o600))
	run := func(args ...string) {
		cmd := exec.Command(binary, append([]string{"events", "--table", "payhook-test"}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_DYNAMODB=" + dynamo.URL}
		_ = cmd.Run() // the table is not there; the request is what counts
	}
	run()
	run("--region", "us-east-2")
	mu.Lock()
	defer mu.Unlock()
	is.True(len(scopes) >= 2)
	is.Equal(scopes[0], "eu-central-1")
	is.Equal(scopes[len(scopes)-1], "us-east-2")
}
