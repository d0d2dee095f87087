package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// target is where the operator commands act: a data directory, or a
// table (and dead-letter queue) on AWS.
type target struct {
	dataDir, table, region, dlqURL *string
}

func targetFlags(fs flags) target {
	return target{
		dataDir: fs.String("data", envOr("PAYHOOK_DATA_DIR", ".payhook"), "data directory (env PAYHOOK_DATA_DIR); works whether or not serve is running"),
		table:   fs.String("table", "", "operate on this DynamoDB table on AWS instead of a data directory"),
		region:  fs.String("region", envOr("AWS_REGION", "ap-southeast-1"), "AWS region, with --table"),
		dlqURL:  fs.String("dlq-url", "", "the SQS dead-letter queue, with --table (for redrive --all)"),
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
	if *t.table == "" {
		return local.OpenOperator(*t.dataDir)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(*t.region))
	if err != nil {
		return nil, nil, err
	}
	op := operate.Table{Store: dynamo.New(dynamodb.NewFromConfig(cfg), *t.table)}
	if *t.dlqURL != "" {
		op.DLQ = deadletter.SQS{Client: sqs.NewFromConfig(cfg), QueueURL: *t.dlqURL, Source: "operator"}
	}
	return op, func() error { return nil }, nil
}

func events(args []string, stdout, _ io.Writer) error {
	fs := newFlags("events", "events [--provider P] [--status S | --stuck AGE | --forwards-failed [--destination URL]] [--json] [--data DIR | --table NAME --region R]", stdout)
	providerName := fs.String("provider", "", "only this provider's webhooks")
	forwardsFailed := fs.Bool("forwards-failed", false, "list the forwarded events given up on (the forwarding dead-letter queue) instead")
	destination := fs.String("destination", "", "with --forwards-failed: only this destination's")
	status := fs.String("status", "", "only webhooks in this status (RECEIVED, PROCESSED, FAILED, RETRY)")
	stuck := fs.Duration("stuck", 0, "only webhooks still RECEIVED this long after they arrived (e.g. 15m): ones processing gave up on")
	asJSON := fs.Bool("json", false, "print JSON")
	where := targetFlags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if *forwardsFailed {
		if *providerName != "" || *status != "" || *stuck != 0 {
			return usageError("--forwards-failed lists forwards, not webhooks: drop --provider, --status and --stuck")
		}
		return deadForwards(context.Background(), where, *destination, *asJSON, stdout)
	}
	if *destination != "" {
		return usageError("--destination goes with --forwards-failed")
	}
	switch store.Status(*status) {
	case "", store.StatusReceived, store.StatusProcessed, store.StatusFailed, store.StatusRetry:
	default:
		return usageError("--status must be RECEIVED, PROCESSED, FAILED or RETRY")
	}
	filter := store.WebhookFilter{Provider: *providerName, Status: store.Status(*status)}
	if *stuck != 0 {
		if *stuck < 0 || (*status != "" && filter.Status != store.StatusReceived) {
			return usageError("--stuck takes a positive age, and means status RECEIVED")
		}
		filter.Status, filter.ReceivedBefore = store.StatusReceived, time.Now().Add(-*stuck)
	}
	ctx := context.Background()
	var views []operate.WebhookView
	err := where.with(ctx, func(op operate.Operator) (err error) {
		views, err = op.Webhooks(ctx, filter)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tEVENT ID\tTYPE\tSTATUS\tRECEIVED\tATTEMPTS\tPAYMENT\tOUTCOME\tWHY")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", printable(v.Provider), printable(v.EventID), printable(v.EventType), v.Status,
			v.ReceivedAt.Local().Format(time.DateTime), v.Attempts, printable(v.PaymentKey), v.Outcome, printable(cmp.Or(v.LastError, v.OutcomeReason)))
	}
	return tw.Flush()
}

func payments(args []string, stdout, _ io.Writer) error {
	fs := newFlags("payments", "payments [--json] [--data DIR | --table NAME --region R]", stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	where := targetFlags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	ctx := context.Background()
	var states []payment.State
	err := where.with(ctx, func(op operate.Operator) (err error) {
		states, err = op.Payments(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, states)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tPAYMENT ID\tSTATUS\tAMOUNT\tREFUNDED\tDISPUTE\tEVENTS\tLAST EVENT")
	for _, p := range states {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\t%d\t%s\n", printable(p.Provider), printable(p.PaymentID), p.Status,
			amount(p.AmountMinor, p.Currency, p.AmountUnknown), printable(p.Currency), refunded(p), p.Dispute, len(p.History), printable(p.LastEventID))
	}
	return tw.Flush()
}

func redrive(args []string, stdout, _ io.Writer) error {
	fs := newFlags("redrive", "redrive (--all | --stuck AGE | --forwards [--destination URL] | <provider> <event id>) [--data DIR | --table NAME --region R [--dlq-url URL]]", stdout)
	all := fs.Bool("all", false, "redrive every webhook named on the dead-letter queue")
	stuck := fs.Duration("stuck", 0, "redrive every webhook still RECEIVED this long after it arrived (e.g. 15m)")
	forwards := fs.Bool("forwards", false, "queue the forwarded events given up on again (payhook events --forwards-failed)")
	destination := fs.String("destination", "", "with --forwards: only this destination's")
	where := targetFlags(fs)
	positional, err := parse(fs, args)
	if err != nil {
		return err
	}
	modes := 0
	for _, chosen := range []bool{*all, *stuck != 0, *forwards, len(positional) > 0} {
		if chosen {
			modes++
		}
	}
	if modes != 1 || (len(positional) != 0 && len(positional) != 2) || *stuck < 0 {
		return usageError("give one of --all, --stuck AGE, --forwards or <provider> <event id>")
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
	err = where.with(ctx, func(op operate.Operator) (err error) {
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

// amount shows minor units in the currency's decimals, or "unknown" where
// the state or event says the provider did not state the amount.
func amount(minor int64, currency string, unknown bool) string {
	if unknown {
		return "unknown"
	}
	return payment.FormatMinor(minor, currency)
}

// refunded shows what went back; a refund whose amount was not stated is
// "unknown", beside the amounts of those that were.
func refunded(p payment.State) string {
	switch {
	case !p.RefundedAmountUnknown:
		return amount(p.RefundedMinor, p.Currency, false)
	case p.RefundedMinor > 0:
		return amount(p.RefundedMinor, p.Currency, false) + " + unknown"
	}
	return "unknown"
}
