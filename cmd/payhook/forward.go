package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store"
)

func newForwardCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "forward status [--json] [--data DIR]",
		Short: "show where forwarding payment events to your app stands",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return usageError("forward takes one subcommand: status") },
	}
	cmd.AddCommand(newForwardStatusCommand())
	return cmd
}

func newForwardStatusCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [--json] [--data DIR]",
		Short: "per destination: backlog, dead letters, delivered, last success, last error (on AWS: each destination's SQS queues)",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	asJSON := fs.Bool("json", false, "print JSON")
	where := dataDirTarget(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		ctx := context.Background()
		statuses, err := answer(ctx, where, func(op operate.Operator) ([]store.ForwardStatus, error) { return op.ForwardStatus(ctx) })
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, statuses)
		}
		if len(statuses) == 0 {
			fmt.Fprintln(stdout, "nothing forwarded yet (payhook serve --forward-to URL)")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DESTINATION\tBACKLOG\tDEAD\tDELIVERED\tLAST SUCCESS\tLAST ERROR")
		for _, s := range statuses {
			lastError := "-"
			if s.LastError != "" {
				lastError = fmt.Sprintf("%s (%s)", printable(s.LastError), when(s.LastErrorAt))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", printable(s.Destination), s.Backlog, s.Dead, s.Delivered, when(s.LastSuccess), lastError)
		}
		return tw.Flush()
	}
	return cmd
}

// when is a local time, or "-" for never.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// knownDestination refuses a --destination that nothing was ever
// forwarded to, which would otherwise match nothing, silently.
func knownDestination(ctx context.Context, op operate.Operator, destination string) error {
	if destination == "" {
		return nil
	}
	statuses, err := op.ForwardStatus(ctx)
	if err != nil {
		return err
	}
	var known []string
	for _, s := range statuses {
		if s.Destination == destination {
			return nil
		}
		known = append(known, printable(s.Destination))
	}
	if len(known) == 0 {
		return fmt.Errorf("nothing was ever forwarded to %s, nor anywhere else (payhook serve --forward-to URL)", printable(destination))
	}
	return fmt.Errorf("nothing was ever forwarded to %s; the destinations are: %s", printable(destination), strings.Join(known, ", "))
}

// deadForwards lists the forwards given up on: payhook events --forwards.
func deadForwards(ctx context.Context, where target, destination string, asJSON bool, stdout io.Writer) error {
	dead, err := answer(ctx, where, func(op operate.Operator) ([]operate.DeadForward, error) {
		if err := knownDestination(ctx, op, destination); err != nil {
			return nil, err
		}
		return op.DeadForwards(ctx, destination)
	})
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(stdout, dead)
	}
	if len(dead) == operate.MaxDeadForwards {
		fmt.Fprintf(stdout, "the oldest %d (payhook forward status counts them all)\n", len(dead))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DESTINATION\tMESSAGE ID\tTYPE\tPAYMENT\tQUEUED\tDEAD\tATTEMPTS\tWHY")
	for _, f := range dead {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", printable(f.Destination), f.MessageID, printable(f.EventType), printable(f.PaymentKey),
			when(f.QueuedAt), when(f.DeadAt), f.Attempts, printable(f.LastError))
	}
	return tw.Flush()
}

// redriveForwards queues dead forwards again: payhook redrive --forwards.
func redriveForwards(ctx context.Context, where target, destination string, stdout io.Writer) error {
	n, err := answer(ctx, where, func(op operate.Operator) (int, error) {
		if err := knownDestination(ctx, op, destination); err != nil {
			return 0, err
		}
		return op.RedriveForwards(ctx, destination)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d forwarded events queued again (delivered by the running serve)\n", n)
	return nil
}
