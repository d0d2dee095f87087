package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
)

func newSendCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send <provider> <event-type> [--payment-id ID] [--amount N] [--currency C] [--status S] [--event-id ID] [--url URL] [--data DIR]",
		Short: "sign and send a realistic webhook, as a provider would",
		// A provider, then one of the event types it can send.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return registry.Names(), cobra.ShellCompDirectiveNoFileComp
			}
			if p, ok := registry.Lookup(args[0]); ok && len(args) == 1 {
				return p.Development.EventTypes(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	paymentID := fs.String("payment-id", "", "the payment's id at the provider (default: a new one)")
	amount := fs.Int64("amount", 2000, "amount in minor units (cents; yen for JPY)")
	currency := fs.String("currency", "USD", "ISO 4217 currency")
	status := fs.String("status", "", "the status the payload's object states, instead of the event type's usual one")
	eventID := fs.String("event-id", "", "the event id (default: a new one; reuse one to send a duplicate)")
	target := fs.String("url", "", "payhook's base URL or full webhook URL (default: the running serve of --data, else http://$PAYHOOK_ADDR)")
	dataDir := dataDirFlag(fs, "data directory whose development secrets sign")
	accepts(fs, "amount", "a positive number of minor units, such as 2000 for 20.00")
	accepts(fs, "currency", "a three-letter ISO 4217 code, such as EUR")
	accepts(fs, "url", "an http or https URL, such as http://127.0.0.1:8080")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		if len(positional) != 2 {
			return usageError("want <provider> <event-type>, e.g. payhook send stripe payment_intent.succeeded")
		}
		name, eventType := positional[0], positional[1]
		if *amount <= 0 {
			return refused(fs, "amount")
		}
		if !isoCurrency.MatchString(*currency) {
			return refused(fs, "currency")
		}
		if u, err := url.Parse(*target); *target != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			return refused(fs, "url")
		}
		*currency = strings.ToUpper(*currency)
		body, id, err := samples.Build(name, eventType, provider.SampleOptions{EventID: *eventID, PaymentID: *paymentID, Amount: *amount, Currency: *currency, Status: *status})
		if err != nil {
			return usageError("%v", err)
		}
		keys, err := signingKeys(*dataDir)
		if err != nil {
			return err
		}
		signed, err := samples.Sign(name, body, keys, id, time.Now())
		if err != nil {
			return err
		}
		url, err := webhookURL(*target, *dataDir, name)
		if err != nil {
			return err
		}
		code, answer, err := post(url, signed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s %s → %d %s\n", name, eventType, id, code, answer)
		if code >= 300 {
			return fmt.Errorf("%s answered %d", url, code)
		}
		return nil
	}
	return cmd
}

// isoCurrency is what --currency takes: three letters, in either case.
var isoCurrency = regexp.MustCompile(`^[A-Za-z]{3}$`)

// signingKeys are the environment's provider keys when set, else the data
// directory's development secrets.
func signingKeys(dataDir string) (provider.Keys, error) {
	keys, fromEnv, err := local.KeysFromEnv(os.LookupEnv)
	if err != nil || fromEnv {
		return keys, err
	}
	dev, err := local.LoadDevSecrets(dataDir)
	if errors.Is(err, os.ErrNotExist) {
		if _, running := local.RunningServe(dataDir); running {
			// serve made no development secrets: it has provider keys.
			return nil, fmt.Errorf("no secrets to sign with: the payhook serve on %s takes its provider keys from its environment; "+
				"set the same PAYHOOK_* keys in this shell", dataDir)
		}
		return nil, fmt.Errorf("no secrets to sign with: set the PAYHOOK_* provider keys, or run payhook serve --data %s once", dataDir)
	}
	return dev.Keys, err
}

// webhookURL is where send delivers: --url, else the serve running on
// dataDir, else PAYHOOK_ADDR's.
func webhookURL(target, dataDir, name string) (string, error) {
	if strings.Contains(target, "/webhook/") {
		return target, nil
	}
	base := strings.TrimSuffix(target, "/")
	if base == "" {
		if info, ok := local.RunningServe(dataDir); ok {
			base = info.URL
		} else {
			var settings config.Local
			if err := config.Load(os.LookupEnv, &settings); err != nil {
				return "", err
			}
			base = "http://" + settings.Addr
		}
	}
	return base + "/webhook/" + name, nil
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// post delivers a signed webhook and returns the answer. The URL is the
// operator's own --url, or their serve's: sending there is the command.
func post(url string, d provider.Delivery) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(d.Body)) //nolint:gosec // G704: see above
	if err != nil {
		return 0, "", err
	}
	req.Header = d.Header
	resp, err := httpClient.Do(req) //nolint:gosec // G704: see above
	if errors.Is(err, syscall.ECONNREFUSED) {
		return 0, "", fmt.Errorf("nothing listens at %s: is payhook serve running? (start it with payhook serve, or give send --url)", url)
	}
	if err != nil {
		return 0, "", fmt.Errorf("deliver to %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }() // read only
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(answer)), err
}
