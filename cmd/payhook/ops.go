package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider/registry"
)

// target is where the operator commands act: a data directory, or a
// table (and dead-letter queue) on AWS.
type target struct {
	dataDir       *string
	table, region *string // nil for a command that works locally only
	dlqURL        *string // redrive's alone: nil for the others
}

// dataDirTarget is the target of a command with nothing to do on AWS.
func dataDirTarget(fs *pflag.FlagSet) target {
	return target{dataDir: dataDirFlag(fs, "data directory; works whether or not serve is running")}
}

func targetFlags(fs *pflag.FlagSet) target {
	return target{
		dataDir: dataDirFlag(fs, "data directory; works whether or not serve is running"),
		table:   fs.String("table", "", "operate on this DynamoDB table on AWS instead of a data directory"),
		region:  regionFlag(fs),
	}
}

// with runs fn with the target's operator, then releases it; a failure to
// release (the store's file not closing cleanly) is reported too.
func (t target) with(ctx context.Context, fn func(operate.Operator) error) (err error) {
	op, release, err := t.open(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, release()) }()
	return fn(op)
}

// answer is what fn answers through the operator t opens.
func answer[T any](ctx context.Context, t target, fn func(operate.Operator) (T, error)) (T, error) {
	var v T
	err := t.with(ctx, func(op operate.Operator) (err error) {
		v, err = fn(op)
		return err
	})
	return v, err
}

func (t target) open(ctx context.Context) (operate.Operator, func() error, error) {
	if t.table == nil || *t.table == "" {
		if err := awsOnly(t.region, t.dlqURL); err != nil {
			return nil, nil, err
		}
		return local.OpenOperator(*t.dataDir)
	}
	cfg, err := loadAWSConfig(ctx, *t.region)
	if err != nil {
		return nil, nil, err
	}
	op := awsOperator(cfg, *t.table)
	if t.dlqURL != nil && *t.dlqURL != "" {
		op.DLQ = deadletter.SQS{Client: sqs.NewFromConfig(cfg), QueueURL: *t.dlqURL, Source: "operator"}
	}
	return op, func() error { return nil }, nil
}

func newRedriveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redrive (--all | --stuck AGE | --forwards [--destination URL] | <provider> <event id> | filters [--dry-run] [--rate N]) [--data DIR | --table NAME --region R [--dlq-url URL]]",
		Short: "send failed (or stuck) webhooks through the processor again",
		// <provider> <event id>: the provider completes; event ids are the store's.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return registry.Names(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	all := fs.Bool("all", false, "redrive every webhook named on the dead-letter queue")
	stuck := fs.Duration("stuck", 0, "redrive every webhook still RECEIVED this long after it arrived (e.g. 15m)")
	accepts(fs, "stuck", "a positive duration such as 15m")
	forwards := fs.Bool("forwards", false, "queue the forwarded events given up on again (payhook events --forwards-failed)")
	destination := fs.String("destination", "", "with --forwards: only this destination's")
	filters := addFilterFlags(cmd, which{status: true, until: true})
	bulk := addBulkFlags(fs, "redrive")
	where := targetFlags(fs)
	where.dlqURL = fs.String("dlq-url", "", "the SQS dead-letter queue, with --table (for redrive --all)")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		stuckGiven := cmd.Flags().Changed("stuck")
		modes := 0
		for _, chosen := range []bool{*all, stuckGiven, *forwards, len(positional) > 0, filters.given()} {
			if chosen {
				modes++
			}
		}
		if modes != 1 || (len(positional) != 0 && len(positional) != 2) {
			return usageError("give one of --all, --stuck AGE, --forwards, <provider> <event id>, or a filter (--since, --until, --provider, --type, --status)")
		}
		if filters.given() {
			return redriveMatching(cmd, where, filters, bulk)
		}
		if bulk.given() {
			return usageError("--dry-run and --rate go with a filter")
		}
		if stuckGiven && *stuck <= 0 {
			return refused(fs, "stuck")
		}
		if *destination != "" && !*forwards {
			return usageError("--destination goes with --forwards")
		}
		ctx := context.Background()
		if *forwards {
			return redriveForwards(ctx, where, *destination, stdout)
		}
		if stuckGiven {
			return redriveStuck(ctx, where, *stuck, stdout)
		}
		if !*all {
			if err := where.with(ctx, func(op operate.Operator) error { return op.Redrive(ctx, positional[0], positional[1]) }); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "redriven: %s/%s (status RETRY: %s)\n", printable(positional[0]), printable(positional[1]), where.whoProcesses())
			return nil
		}
		report, err := answer(ctx, where, func(op operate.Operator) (process.RedriveReport, error) { return op.RedriveAll(ctx) })
		if err != nil {
			return err
		}
		for _, line := range report.Redriven {
			fmt.Fprintf(stdout, "redriven: %s (status RETRY: %s)\n", printable(line), where.whoProcesses())
		}
		for _, line := range report.Dropped {
			fmt.Fprintf(stdout, "message removed, its webhook no longer FAILED: %s\n", printable(line))
		}
		for _, line := range report.Kept {
			fmt.Fprintf(stdout, "message kept on the queue: %s\n", printable(line))
		}
		fmt.Fprintf(stdout, "%d redriven; %d dead-letter messages removed, their webhooks no longer FAILED; %d kept on the queue, not redriven\n",
			len(report.Redriven), len(report.Dropped), len(report.Kept))
		if len(report.Kept) > 0 {
			return fmt.Errorf("%d dead-letter messages could not be redriven: each says why above; once fixed, payhook redrive --all again", len(report.Kept))
		}
		return nil
	}
	return cmd
}

// whoProcesses says who takes a redriven webhook from here.
func (t target) whoProcesses() string {
	switch {
	case t.table != nil && *t.table != "":
		return "the processor Lambda takes it from the table's stream"
	case running(*t.dataDir):
		return "the running payhook serve processes it now"
	}
	return fmt.Sprintf("payhook serve processes it when it next runs on %s", *t.dataDir)
}

func running(dataDir string) bool {
	_, ok := local.RunningServe(dataDir)
	return ok
}

// awsOnly refuses --region and --dlq-url without --table: given, they say
// the operator meant AWS, and a data directory has neither.
func awsOnly(region, dlqURL *string) error {
	if region != nil && *region != "" {
		return usageError("%s: goes with --table, a DynamoDB table on AWS (a data directory has no region)", flagValue("region", *region))
	}
	if dlqURL != nil && *dlqURL != "" {
		return usageError("%s: goes with --table, a DynamoDB table on AWS (locally, redrive reads the data directory's dead-letter queue)", flagValue("dlq-url", *dlqURL))
	}
	return nil
}

// regionFlag is --region: given, it wins; else the AWS SDK finds the
// region as it always does (AWS_REGION, the profile's config).
func regionFlag(fs *pflag.FlagSet) *string {
	return fs.String("region", "", "AWS region, with --table (default: the AWS configuration's: AWS_REGION, or the profile's region)")
}

// loadAWSConfig is the SDK's own configuration, with region when given.
func loadAWSConfig(ctx context.Context, region string) (aws.Config, error) {
	var options []func(*awsconfig.LoadOptions) error
	if region != "" {
		options = append(options, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, options...)
	if err == nil && cfg.Region == "" {
		err = errors.New("no AWS region: give --region, or set AWS_REGION or a region in your AWS profile")
	}
	return cfg, err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func redriveStuck(ctx context.Context, where target, age time.Duration, stdout io.Writer) error {
	report, err := answer(ctx, where, func(op operate.Operator) (process.StuckReport, error) {
		return op.RedriveStuck(ctx, time.Now().Add(-age))
	})
	if err != nil {
		return err
	}
	for _, line := range report.Redriven {
		fmt.Fprintf(stdout, "redriven: %s (RECEIVED for over %s; status RETRY: %s)\n", printable(line), age, where.whoProcesses())
	}
	for _, line := range report.Skipped {
		fmt.Fprintf(stdout, "moved on meanwhile, left alone: %s\n", printable(line))
	}
	fmt.Fprintf(stdout, "%d redriven, %d moved on meanwhile\n", len(report.Redriven), len(report.Skipped))
	return nil
}

// amount shows minor units in the currency's decimals, or "unknown" where
// the state or event says the provider did not state the amount.
func amount(minor int64, currency string, unknown bool) string {
	if unknown {
		return "unknown"
	}
	return payment.FormatMinor(minor, currency)
}
