package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/smoke"
)

func newSmokeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "smoke (--url URL --table NAME --region R [--secret ID] | [--data DIR] [--url URL]) [--wait D]",
		Short: "prove a deployment (or serve) works: one signed delivery per provider, processed, removed",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	target := fs.String("url", "", "the webhook base URL, ending /webhook (on AWS: tofu output -json stack | jq -r .smoke.url; default: the running serve of --data)")
	table := fs.String("table", "", "test a deployment on AWS: its DynamoDB table")
	region := regionFlag(fs)
	secret := fs.String("secret", "", "the Secrets Manager secret with the deployed provider keys, with --table (default: <table>/providers)")
	dataDir := dataDirFlag(fs, "test the payhook serve running on this data directory")
	wait := fs.Duration("wait", 2*time.Minute, "how long each delivery may take to be PROCESSED")
	accepts(fs, "wait", "a positive duration such as 2m")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		if *wait <= 0 {
			return refused(fs, "wait")
		}
		ctx := context.Background()
		var t smoke.Target
		var err error
		if *table == "" {
			if err := awsOnly(region, nil); err != nil {
				return err
			}
		}
		if *table != "" {
			if *target == "" {
				return usageError("--table needs --url, the deployment's webhook base URL")
			}
			t, err = awsTarget(ctx, *table, *region, *secret)
		} else {
			t, err = serveTarget(*dataDir)
		}
		if err != nil {
			return err
		}
		if *target != "" {
			t.URL = *target
		}
		t.Client = &http.Client{Timeout: 30 * time.Second}
		t.Wait = *wait

		fmt.Fprintf(stdout, "smoke test of %s\n", t.URL)
		results := smoke.Run(ctx, t)
		counts := map[smoke.Outcome]int{}
		var failed []string
		for _, r := range results {
			counts[r.Outcome]++
			switch r.Outcome {
			case smoke.Passed:
				fmt.Fprintf(stdout, "  %-10s passed   %s PROCESSED in %s, then removed\n", r.Provider, r.EventID, r.Took.Round(time.Millisecond))
			case smoke.Skipped:
				fmt.Fprintf(stdout, "  %-10s skipped  %s\n", r.Provider, r.Detail)
			case smoke.Failed:
				fmt.Fprintf(stdout, "  %-10s FAILED   %s at %s: %s\n", r.Provider, r.EventID, r.Step, r.Detail)
				failed = append(failed, fmt.Sprintf("%s at %s", r.Provider, r.Step))
			}
		}
		fmt.Fprintf(stdout, "%d passed, %d skipped, %d failed\n", counts[smoke.Passed], counts[smoke.Skipped], counts[smoke.Failed])
		switch {
		case len(failed) > 0:
			return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
		case counts[smoke.Passed] == 0:
			return errors.New("no provider could be smoke-tested: configure one payhook can sign for")
		}
		return nil
	}
	return cmd
}

// awsTarget signs with the deployed keys, read from the secret, and
// follows the deliveries in the table.
func awsTarget(ctx context.Context, table, region, secret string) (smoke.Target, error) {
	cfg, err := loadAWSConfig(ctx, region)
	if err != nil {
		return smoke.Target{}, err
	}
	if secret == "" {
		secret = table + "/providers"
	}
	keys, err := secrets.SecretsManagerLoader(secretsmanager.NewFromConfig(cfg), secrets.Secret{ARN: secret, Kind: secrets.WebhookKeys})(ctx)
	if err != nil {
		return smoke.Target{}, fmt.Errorf("read the provider keys from %s: %w", secret, err)
	}
	// PayPal deliveries cannot be signed here: PayPal holds the key.
	return smoke.Target{Keys: keys, Table: smoke.DynamoTable{Client: dynamodb.NewFromConfig(cfg), Name: table}, Poll: time.Second}, nil
}

// serveTarget tests the serve running on dataDir with the keys it runs on:
// those in the environment, else the data directory's development secrets,
// whose PayPal signer that serve alone trusts.
func serveTarget(dataDir string) (smoke.Target, error) {
	info, ok := local.RunningServe(dataDir)
	if !ok {
		return smoke.Target{}, fmt.Errorf("no payhook serve is running on %s (start one with payhook serve --data %s, or test AWS with --table)", dataDir, dataDir)
	}
	t := smoke.Target{URL: info.URL + "/webhook", Table: local.SmokeTable{Remote: operate.Remote{URL: info.AdminURL, Token: info.Token}}, Poll: 100 * time.Millisecond}
	keys, fromEnv, err := local.KeysFromEnv(os.LookupEnv)
	if err != nil {
		return smoke.Target{}, err
	}
	if fromEnv {
		t.Keys = keys
		return t, nil
	}
	dev, err := local.LoadDevSecrets(dataDir)
	if err != nil {
		return smoke.Target{}, err
	}
	t.Keys = dev.Keys
	return t, nil
}
