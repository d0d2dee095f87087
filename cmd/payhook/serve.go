package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [--addr ADDR] [--data DIR] [--forward-to URL ...] [--forward-events TYPE,...]",
		Short: "run the receiver, processor and auditor on this machine",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	addr := fs.String("addr", config.Default("PAYHOOK_ADDR"), "listen address (env PAYHOOK_ADDR)")
	accepts(fs, "addr", config.ListenAddrWanted)
	dataDir := dataDirFlag(fs, "data directory")
	var forwarding local.Forwarding
	fs.Func("forward-to", "deliver every applied payment event to this URL, signed as Standard Webhooks (repeatable; secrets from env "+
		forward.SecretsSetting+", else generated into the data directory)", func(u string) error {
		forwarding.URLs = append(forwarding.URLs, u)
		return forward.CheckURL(u)
	})
	forwardEvents := fs.String("forward-events", "", "forward only these canonical event types (comma-separated, e.g. payment.succeeded,dispute.opened)")
	fs.DurationVar(&forwarding.RetryWindow, "forward-retry-for", forward.DefaultRetryWindow, "retry a message this long before it is dead-lettered")
	fs.DurationVar(&forwarding.Timeout, "forward-timeout", forward.DefaultTimeout, "give each forwarding attempt this long to be answered")
	accepts(fs, "forward-retry-for", "a positive duration such as 24h")
	accepts(fs, "forward-timeout", "a positive duration such as 15s")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		stderr := cmd.ErrOrStderr()
		if !config.IsListenAddr(*addr) {
			return refused(fs, "addr")
		}
		types, err := payment.ParseTypes(*forwardEvents)
		if err != nil {
			return usageError("--forward-events: %v", err)
		}
		if slices.Contains(types, payment.Other) {
			return usageError("--forward-events: %s events change no payment, so none is ever forwarded", payment.Other)
		}
		if len(forwarding.URLs) == 0 {
			given := ""
			fs.Visit(func(f *pflag.Flag) {
				if strings.HasPrefix(f.Name, "forward-") {
					given = f.Name
				}
			})
			if given != "" {
				return usageError("--%s goes with --forward-to: give a URL to forward to", given)
			}
		}
		if forwarding.RetryWindow <= 0 {
			return refused(fs, "forward-retry-for")
		}
		if forwarding.Timeout <= 0 {
			return refused(fs, "forward-timeout")
		}
		forwarding.Types = types
		var (
			cfg       config.Receiver
			reconcile config.Reconcile
			settings  config.Serve
		)
		if err := config.Load(os.LookupEnv, &cfg, &reconcile, &settings); err != nil {
			return err
		}
		forwarding.Secrets = settings.ForwardSecrets
		log := newLogger(stderr, cfg.LogLevel)
		warnOfNearMisses(log)
		collectGarbageLessOften()
		// Caught from before the start: a stop that comes as serve.json
		// appears is a clean one too.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		opts := local.Options{Addr: *addr, DataDir: *dataDir, Receiver: cfg, Reconcile: reconcile, Critical: settings.CriticalTypes,
			Lookup: os.LookupEnv, Log: log, Forward: forwarding}
		if isTerminal(stdout) {
			opts.OnDelivery, opts.OnForward = trafficLines(stdout)
		}
		server, err := local.Start(opts)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: another process listens there; give serve another address with --addr (or PAYHOOK_ADDR), such as --addr 127.0.0.1:8081", err)
		}
		if err != nil {
			return err
		}
		printBanner(stdout, server)
		warnIfExposed(stdout, log, server, *addr)

		select {
		case <-ctx.Done():
			log.Info().Msg("stopping: finishing in-flight requests and batches")
		case <-server.Failed():
			// Exit non-zero so that a supervisor restarts serve, which resumes
			// from the checkpoints, rather than leave it acknowledging nothing.
			log.Error().Msg("stopping: the pipeline stopped")
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := server.Shutdown(shutdown); err != nil {
			return err
		}
		log.Info().Msg("stopped")
		return nil
	}
	return cmd
}

// warnOfNearMisses names each PAYHOOK_ variable that is spelled almost
// as a setting: left as it is, that setting keeps its default.
func warnOfNearMisses(log zerolog.Logger) {
	var providerKeys []string
	for _, s := range registry.Settings() {
		providerKeys = append(providerKeys, s.Name)
	}
	for _, miss := range config.NearMisses(os.Environ(), providerKeys) {
		log.Warn().Msgf("%s is not a payhook setting and is ignored: did you mean %s?", miss.Given, miss.Meant)
	}
}

// newLogger writes readable lines to a terminal and JSON anywhere else.
func newLogger(w io.Writer, level string) zerolog.Logger {
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			w = zerolog.ConsoleWriter{Out: f, TimeFormat: "15:04:05.000"}
		}
	}
	return observe.NewLogger(w, level, "payhook")
}

func printBanner(w io.Writer, s *local.Server) {
	fmt.Fprintf(w, "payhook serving on %s (data in %s; admin API on %s)\n", s.URL, s.DataDir, s.AdminURL)
	fmt.Fprintf(w, "console: %s (web console; this link logs in once, payhook console --data %s prints another)\n", s.ConsoleURL, s.DataDir)
	fmt.Fprintf(w, "metrics: %s (Prometheus; no token)\n\n", s.MetricsURL)
	if s.Dev == nil {
		fmt.Fprintf(w, "provider keys from the environment\n\n")
	} else {
		how := "development secrets from"
		if s.DevCreated {
			how = "development secrets created in"
		}
		fmt.Fprintf(w, "%s %s/%s (for local use only):\n", how, s.DataDir, local.DevSecretsFile)
	}
	for _, p := range registry.All {
		route := fmt.Sprintf("POST %s/webhook/%s", s.URL, p.Name)
		if !p.Configured(s.Keys) {
			route += "  (not configured)"
		}
		fmt.Fprintf(w, "  %-10s %s\n", p.Name, route)
		if s.Dev == nil {
			continue
		}
		for _, setting := range p.Settings {
			if value := strings.Join(s.Keys.List(setting.Name), ","); value != "" && !setting.Development {
				fmt.Fprintf(w, "  %-10s   %s=%s\n", "", setting.Name, value)
			}
		}
	}
	if s.Dev != nil {
		fmt.Fprintf(w, "  (paypal deliveries are signed by a development CA that only this development server trusts)\n")
	}
	printForwarding(w, s)
	if s.Dev == nil {
		fmt.Fprintf(w, "\ntry, in a shell with the same PAYHOOK_* provider keys (send signs with them): payhook send stripe payment_intent.succeeded --data %s\n", s.DataDir)
		return
	}
	fmt.Fprintf(w, "\ntry: payhook send stripe payment_intent.succeeded --data %s\n", s.DataDir)
}

// warnIfExposed says when development secrets guard a listener that other
// machines can reach: they are printed above and kept in the data
// directory, so anyone who reaches the port could sign webhooks serve
// accepts as genuine.
func warnIfExposed(w io.Writer, log zerolog.Logger, s *local.Server, addr string) {
	host, _, err := net.SplitHostPort(addr)
	if s.Dev == nil || err != nil || host == "localhost" {
		return
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return
	}
	const warning = "serve listens beyond this machine with development secrets, which anyone who reads them can sign with"
	log.Warn().Str("addr", addr).Msg(warning)
	fmt.Fprintf(w, "\nWARNING: %s (--addr %s). Listen on 127.0.0.1, or set the PAYHOOK_* provider keys to receive real deliveries.\n", warning, addr)
}

// printForwarding says where events go and, for a development secret
// only, what consumers verify them with.
func printForwarding(w io.Writer, s *local.Server) {
	if len(s.ForwardURLs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nforwarding payment events (Standard Webhooks) to:\n")
	for _, u := range s.ForwardURLs {
		fmt.Fprintf(w, "  %s\n", u)
	}
	switch {
	case s.ForwardSecret == "":
		fmt.Fprintf(w, "  signed with %s from the environment\n", forward.SecretsSetting)
	case s.ForwardSecretCreated:
		fmt.Fprintf(w, "  signing secret created in %s/%s (for local use only):\n  %s\n", s.DataDir, local.DevSecretsFile, s.ForwardSecret)
	default:
		fmt.Fprintf(w, "  signing secret from %s/%s (for local use only):\n  %s\n", s.DataDir, local.DevSecretsFile, s.ForwardSecret)
	}
	fmt.Fprintf(w, "  payhook forward status --data %s\n", s.DataDir)
}

// collectGarbageLessOften sets serve's garbage collector to GOGC=400 with a
// soft limit of 1 GiB, unless GOGC or GOMEMLIMIT is in the environment.
// serve's memory is small (about 20 MB under load), and at Go's default
// of 100 the collector took about 15 % of serve's CPU: at 400 the same
// load cost 0.80× the CPU per webhook, for about 25 MB more memory; the
// limit makes the collector work harder, not fail, should a backlog grow
// the heap (docs/benchmarks.md, issue 28).
func collectGarbageLessOften() {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(1 << 30)
}
