package local

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// ServeInfo is the content of ServeFile.
type ServeInfo struct {
	URL      string `json:"url"`
	AdminURL string `json:"admin_url"`
	Token    string `json:"token"`
	PID      int    `json:"pid"`
}

// OpenOperator returns what the CLI operates the data directory with: the
// running serve's admin API when one answers, else the store itself.
// close releases it.
func OpenOperator(dataDir string) (operate.Operator, func() error, error) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if info, ok := RunningServe(dataDir); ok {
		return operate.Remote{URL: info.AdminURL, Token: info.Token}, func() error { return nil }, nil
	}
	// A directory without a store is refused, not given an empty one: an
	// operator who named the wrong directory must not be told it holds
	// no webhooks.
	st, err := openExistingStore(dataDir)
	if err != nil {
		return nil, nil, err
	}
	// serve is not running: a resend is queued for every destination the
	// outbox knows, to go out when serve runs with it again.
	statuses, err := st.ForwardStatuses(context.Background())
	if err != nil {
		return nil, nil, errors.Join(err, st.Close())
	}
	destinations := make([]forward.Destination, len(statuses))
	for i, status := range statuses {
		destinations[i] = forward.Destination{Name: status.Destination}
	}
	return tableOperator(dataDir, st, destinations), st.Close, nil
}

// tableOperator operates the data directory's store: its dead-letter
// queue, outbox and audit trail; bulk redrives a page per commit.
func tableOperator(dataDir string, st *embedded.Store, destinations []forward.Destination) operate.Table {
	return operate.Table{
		Store: st, DLQ: st.DeadLetterQueue(ProcessorConsumer), Outbox: st,
		AuditTrail: func() (io.ReadCloser, error) { return openInDataDir(dataDir, AuditFile, os.O_RDONLY, 0) },
		Transact: func(ctx context.Context, fn func(store.Processing) error) error {
			return st.InTransaction(ctx, "redrive", func(p store.Processing, _ deadletter.Queue) error { return fn(p) })
		},
		Resender: forward.OutboxResender{Outbox: st, Destinations: destinations},
	}
}

// RunningServe returns the serve running on the data directory, if its
// admin API answers, proves it holds serve.json's token without being sent
// it, and is healthy. A serve.json left by a killed serve does not answer;
// another process that took its port cannot prove the token, and so never
// receives it.
func RunningServe(dataDir string) (ServeInfo, bool) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return ServeInfo{}, false
	}
	raw, err := readDataFile(dataDir, ServeFile)
	var info ServeInfo
	if err != nil || json.Unmarshal(raw, &info) != nil || info.AdminURL == "" {
		return ServeInfo{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if operate.ProveServe(ctx, info.AdminURL, info.Token) != nil {
		return ServeInfo{}, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.AdminURL+"/healthz", nil)
	if err != nil {
		return ServeInfo{}, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ServeInfo{}, false
	}
	_ = resp.Body.Close() // the status is the answer
	return info, resp.StatusCode == http.StatusOK
}
