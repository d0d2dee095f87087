package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
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
	return target{dataDir: fs.String("data", envOr("PAYHOOK_DATA_DIR", ".payhook"), "data directory (env PAYHOOK_DATA_DIR); works whether or not serve is running")}
}

func targetFlags(fs *pflag.FlagSet) target {
	return target{
		dataDir: fs.String("data", envOr("PAYHOOK_DATA_DIR", ".payhook"), "data directory (env PAYHOOK_DATA_DIR); works whether or not serve is running"),
		table:   fs.String("table", "", "operate on this DynamoDB table on AWS instead of a data directory"),
		region:  fs.String("region", envOr("AWS_REGION", "ap-southeast-1"), "AWS region, with --table"),
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

func (t target) open(ctx context.Context) (operate.Operator, func() error, error) {
	if t.table == nil || *t.table == "" {
		return local.OpenOperator(*t.dataDir)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(*t.region))
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
	}
	fs := cmd.Flags()
	all := fs.Bool("all", false, "redrive every webhook named on the dead-letter queue")
	stuck := fs.Duration("stuck", 0, "redrive every webhook still RECEIVED this long after it arrived (e.g. 15m)")
	forwards := fs.Bool("forwards", false, "queue the forwarded events given up on again (payhook events --forwards-failed)")
	destination := fs.String("destination", "", "with --forwards: only this destination's")
	filters := addFilterFlags(cmd, which{status: true, until: true})
	bulk := addBulkFlags(fs, "redrive")
	where := targetFlags(fs)
	where.dlqURL = fs.String("dlq-url", "", "the SQS dead-letter queue, with --table (for redrive --all)")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		modes := 0
		for _, chosen := range []bool{*all, *stuck != 0, *forwards, len(positional) > 0, filters.given()} {
			if chosen {
				modes++
			}
		}
		if modes != 1 || (len(positional) != 0 && len(positional) != 2) || *stuck < 0 {
			return usageError("give one of --all, --stuck AGE, --forwards, <provider> <event id>, or a filter (--since, --until, --provider, --type, --status)")
		}
		if filters.given() {
			return redriveMatching(cmd, where, filters, bulk)
		}
		if bulk.given() {
			return usageError("--dry-run and --rate go with a filter")
		}
		if *destination != "" && !*forwards {
			return usageError("--destination goes with --forwards")
		}
		ctx := context.Background()
		if *forwards {
			return redriveForwards(ctx, where, *destination, stdout)
		}
		if *stuck != 0 {
			return redriveStuck(ctx, where, *stuck, stdout)
		}
		if !*all {
			if err := where.with(ctx, func(op operate.Operator) error { return op.Redrive(ctx, positional[0], positional[1]) }); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "redriven: %s/%s (status RETRY; the processor takes it from here)\n", printable(positional[0]), printable(positional[1]))
			return nil
		}
		var report process.RedriveReport
		err := where.with(ctx, func(op operate.Operator) (err error) {
			report, err = op.RedriveAll(ctx)
			return err
		})
		if err != nil {
			return err
		}
		for _, line := range report.Redriven {
			fmt.Fprintf(stdout, "redriven: %s\n", printable(line))
		}
		for _, line := range report.Dropped {
			fmt.Fprintf(stdout, "no longer failed, message removed: %s\n", printable(line))
		}
		for _, line := range report.Kept {
			fmt.Fprintf(stdout, "kept on the queue: %s\n", printable(line))
		}
		fmt.Fprintf(stdout, "%d redriven, %d removed, %d kept\n", len(report.Redriven), len(report.Dropped), len(report.Kept))
		if len(report.Kept) > 0 {
			return fmt.Errorf("%d messages could not be redriven", len(report.Kept))
		}
		return nil
	}
	return cmd
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func redriveStuck(ctx context.Context, where target, age time.Duration, stdout io.Writer) error {
	var report process.StuckReport
	err := where.with(ctx, func(op operate.Operator) (err error) {
		report, err = op.RedriveStuck(ctx, time.Now().Add(-age))
		return err
	})
	if err != nil {
		return err
	}
	for _, line := range report.Redriven {
		fmt.Fprintf(stdout, "redriven: %s (RECEIVED for over %s; status RETRY)\n", printable(line), age)
	}
	for _, line := range report.Skipped {
		fmt.Fprintf(stdout, "moved on meanwhile, left alone: %s\n", printable(line))
	}
	fmt.Fprintf(stdout, "%d redriven, %d moved on meanwhile\n", len(report.Redriven), len(report.Skipped))
	return nil
}

// amount shows an amount, or "unknown" where the provider did not state
// it (GoCardless without its API), or nothing stated even a currency.
func amount(minor int64, currency string, unknown bool) string {
	if unknown || minor == 0 && currency == "" {
		return "unknown"
	}
	return payment.FormatMinor(minor, currency)
}

// refunded shows what went back: refunds without an amount are "unknown".
func refunded(p payment.State) string {
	if p.RefundedAmountUnknown && p.RefundedMinor > 0 {
		return amount(p.RefundedMinor, p.Currency, false) + " + unknown"
	}
	return amount(p.RefundedMinor, p.Currency, p.RefundedAmountUnknown)
}
