package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
)

// Forwarding sends every applied canonical event to the user's endpoints.
type Forwarding struct {
	// URLs are the destinations; none means nothing is forwarded.
	URLs []string
	// Types, when set, are the only canonical types forwarded.
	Types []payment.Type
	// Secrets sign each message (PAYHOOK_FORWARD_SECRETS); empty, the data
	// directory's development secret does, generated once.
	Secrets string
	// RetryWindow and Timeout: forward's defaults when zero.
	RetryWindow time.Duration
	Timeout     time.Duration
}

// destinations are the URLs as destinations, each named by its URL.
func (f Forwarding) destinations() ([]forward.Destination, error) {
	var ds []forward.Destination
	seen := map[string]bool{}
	for _, u := range f.URLs {
		if err := forward.CheckURL(u); err != nil {
			return nil, err
		}
		name := forward.Name(u)
		if seen[name] {
			return nil, fmt.Errorf("forward destination %s is given twice", name)
		}
		seen[name] = true
		ds = append(ds, forward.Destination{Name: name, URL: u, Types: f.Types})
	}
	return ds, nil
}

// loadForwarding checks the destinations and takes the signing secrets
// given, or else the data directory's development secret, generated once.
func (s *Server) loadForwarding(opts Options) error {
	destinations, err := opts.Forward.destinations()
	if err != nil {
		return err
	}
	s.warnOfForgottenQueues(opts, destinations)
	if len(destinations) == 0 {
		return nil
	}
	secrets := opts.Forward.Secrets
	if secrets == "" {
		if secrets, s.ForwardSecretCreated, err = loadOrCreateForwardSecret(s.DataDir); err != nil {
			return err
		}
		s.ForwardSecret = secrets
	}
	signer, err := forward.ParseSecrets(secrets)
	if err != nil {
		return err
	}
	s.forwarding = &forward.Dispatcher{
		Outbox: s.Store, Destinations: destinations, Signer: signer, Client: forward.NewClient(cmpDuration(opts.Forward.Timeout, forward.DefaultTimeout)),
		RetryWindow: opts.Forward.RetryWindow, Queued: s.Store.ForwardsQueued, Log: opts.Log,
		Observe: func(o forward.Observation) {
			s.Metrics.Forwarded(o.Destination, string(o.Outcome))
			if opts.OnForward != nil {
				opts.OnForward(o)
			}
		},
	}
	s.Metrics.ForwardBacklog(func(ctx context.Context) (map[string]int, error) {
		statuses, err := s.Store.ForwardStatuses(ctx)
		backlog := map[string]int{}
		for _, st := range statuses {
			backlog[st.Destination] = st.Backlog
		}
		return backlog, err
	})
	for _, d := range destinations {
		s.ForwardURLs = append(s.ForwardURLs, d.Name)
	}
	return nil
}

// warnOfForgottenQueues says when messages wait for a destination this
// serve does not deliver to: they stay queued until it is given again.
func (s *Server) warnOfForgottenQueues(opts Options, destinations []forward.Destination) {
	statuses, err := s.Store.ForwardStatuses(context.Background())
	if err != nil {
		opts.Log.Error().Err(err).Msg("reading the forwarding outbox")
		return
	}
	for _, st := range statuses {
		if st.Backlog > 0 && !slices.ContainsFunc(destinations, func(d forward.Destination) bool { return d.Name == st.Destination }) {
			opts.Log.Warn().Str("destination", st.Destination).Int("backlog", st.Backlog).
				Msg("payment events are queued for a destination that is not a --forward-to now; they wait until it is again")
		}
	}
}

func cmpDuration(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}

// loadOrCreateForwardSecret returns the development secrets' forwarding
// secret, adding one to the file (or a file holding only it) on first use.
func loadOrCreateForwardSecret(dataDir string) (string, bool, error) {
	file, err := readDevSecrets(dataDir)
	if errors.Is(err, os.ErrNotExist) {
		file, err = devSecretsFile{Keys: map[string]string{}}, nil
	}
	if err != nil {
		return "", false, err
	}
	if file.ForwardSecret != "" {
		return file.ForwardSecret, false, nil
	}
	file.ForwardSecret = forward.NewSecret()
	encoded, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return "", false, err
	}
	return file.ForwardSecret, true, writeDataFile(dataDir, DevSecretsFile, encoded)
}

// runForwarding delivers until ctx ends; done is closed then.
func (s *Server) runForwarding(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	if s.forwarding != nil {
		s.forwarding.Run(ctx)
	}
}
