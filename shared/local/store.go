package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// Files in a data directory.
const (
	DBFile    = "payhook.db"
	AuditFile = "audit.jsonl"
	// ServeFile tells the CLI where a running serve's admin API answers,
	// and with which token; it is removed when serve stops.
	ServeFile = "serve.json"
)

// OpenStore opens the data directory's store, saying plainly when a serve
// holds it.
func OpenStore(dir string) (*embedded.Store, error) {
	return openStore(dir, nil, commandLog())
}

// commandLog is where a store opened by a command other than serve logs
// the stack of a panic it recovered: standard error, errors only, which a
// bug's panic is; a damaged file's own stay out of its one-line report.
func commandLog() zerolog.Logger {
	return zerolog.New(os.Stderr).Level(zerolog.ErrorLevel).With().Timestamp().Logger()
}

// openStore opens the store, telling onCommit of every commit and log of
// every panic recovered.
func openStore(dir string, onCommit func(string, time.Duration), log zerolog.Logger) (*embedded.Store, error) {
	real, err := CheckDataDir(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(real, DBFile)
	if err := notALink(path); err != nil {
		return nil, err
	}
	s, err := embedded.Open(path, embedded.Options{Consumers: consumers, OnCommit: onCommit, DamageAdvice: damageAdvice(dir), Log: log})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("data directory %s is in use by another payhook process", dir)
	}
	return s, err
}

// damageAdvice is what to do about a damaged store in dir.
func damageAdvice(dir string) string {
	trail := filepath.Join(dir, AuditFile)
	return fmt.Sprintf("%s beside it is a file of its own (payhook audit verify %s --complete --no-repeats reads it). "+
		"Restore your latest backup: payhook restore --data %s --replace BACKUP; with none, serve a new data directory "+
		"and payhook reconcile each provider since this one's start", trail, trail, dir)
}

func (s *Server) openDataDir(opts Options) error {
	real, err := PrepareDataDir(opts.DataDir)
	if err != nil {
		return err
	}
	s.DataDir = real
	st, err := openStore(real, s.Metrics.StoreCommit, opts.Log)
	if err != nil {
		return err
	}
	s.Store = st
	s.onCleanup(st.Close)
	return nil
}

// expire applies the items' TTL once a minute, as DynamoDB would.
func (s *Server) expire(ctx context.Context, log zerolog.Logger) {
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if n, err := s.Store.Expire(ctx, time.Now()); err != nil {
				log.Error().Err(err).Msg("expiry")
			} else if n > 0 {
				log.Info().Int("items", n).Msg("expired")
			}
		}
	}
}
