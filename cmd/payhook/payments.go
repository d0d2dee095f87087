package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
)

func newPaymentsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "payments [--json] [--data DIR | --table NAME --region R]",
		Short: "list payment states",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	asJSON := fs.Bool("json", false, "print JSON")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		ctx := context.Background()
		states, err := answer(ctx, where, func(op operate.Operator) ([]payment.State, error) { return op.Payments(ctx) })
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, states)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PAYMENT\tSTATUS\tAMOUNT\tREFUNDED\tDISPUTE\tEVENTS\tLAST EVENT")
		unknown := false
		for _, p := range states {
			dispute := string(p.Dispute)
			if p.DisputeAmountMinor != 0 {
				dispute += " " + payment.FormatMinor(p.DisputeAmountMinor, p.Currency)
			}
			unknown = unknown || p.AmountUnknown || p.RefundedAmountUnknown
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", printable(paymentRef(p.Provider, p.PaymentID)), p.Status,
				paidText(p, "*"), refundedText(p, "*"), dispute, len(p.History), printable(p.LastEventID))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if unknown {
			fmt.Fprintln(stdout, "* unknown: no event of the payment stated its amount (GoCardless's events carry none; a dispute states only what is disputed)")
		}
		return nil
	}
	cmd.AddCommand(newPaymentsShowCommand())
	return cmd
}

func newPaymentsShowCommand() *cobra.Command {
	return newShowCommand(&cobra.Command{
		Use:   "show <provider>/<payment id> [--json] [--data DIR | --table NAME --region R]",
		Short: "a payment's state and every event that touched it, in order: what each changed, or why it changed nothing",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("want: payments show <provider>/<payment id>, such as stripe/pi_123")
			}
			if _, _, err := operate.ParsePayment(args[0]); err != nil {
				return usageError("%v", err)
			}
			return nil
		},
	}, func(ctx context.Context, op operate.Operator, args []string) (operate.PaymentDetail, error) {
		return op.Payment(ctx, args[0])
	}, printPaymentDetail)
}

func printPaymentDetail(out io.Writer, d operate.PaymentDetail) {
	fmt.Fprintf(out, "payment   %s\n", printable(d.Payment))
	if s := d.State; s != nil {
		fmt.Fprintf(out, "status    %s\n", s.Status)
		fmt.Fprintf(out, "amount    %s, refunded %s\n", paidText(*s, ""), refundedText(*s, ""))
		if s.Dispute != "" {
			fmt.Fprintf(out, "dispute   %s (%s)\n", s.Dispute, printable(s.DisputeStatus))
		}
		fmt.Fprintf(out, "version   %d, last event %s at %s\n", s.Version, printable(s.LastEventID), stamp(s.LastOccurredAt))
	} else {
		fmt.Fprintf(out, "status    none yet: no event about it has changed it\n")
	}
	fmt.Fprintf(out, "\ntimeline, in the order processing met each event:\n")
	if d.Truncated {
		fmt.Fprintf(out, "  (the newest %d; older ones are left out)\n", len(d.Timeline))
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, v := range d.Timeline {
		what := "processed before payhook recorded changes"
		switch {
		case v.Change != nil:
			what = strings.TrimPrefix(changeText(v.Change), ": ")
		case v.Outcome != "" && v.Outcome != string(payment.Applied):
			what = "changed nothing: " + printable(cmp.Or(v.OutcomeReason, v.Outcome))
		case v.Outcome == "":
			what = string(v.Status) + optional(": ", printable(v.LastError))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", v.UpdatedAt.Local().Format(time.DateTime), printable(v.Provider+" "+v.EventID), printable(v.EventType), cmp.Or(v.Outcome, string(v.Status)), what)
	}
	_ = tw.Flush()
}

// changeText says what an applied event did to its payment, after ": ".
func changeText(c *payment.Change) string {
	if c == nil {
		return ""
	}
	return ": " + printable(c.Summary())
}

// paidText shows a payment's amount with its currency, or "unknown" and
// mark where no event of it stated one.
func paidText(p payment.State, mark string) string {
	if p.AmountUnknown {
		return "unknown" + mark
	}
	return payment.FormatMinor(p.AmountMinor, p.Currency) + " " + printable(p.Currency)
}

// refundedText shows what went back: refunds without an amount are
// "unknown" and mark; "-" when nothing was refunded.
func refundedText(p payment.State, mark string) string {
	switch {
	case p.RefundedAmountUnknown && p.RefundedMinor != 0:
		return payment.FormatMinor(p.RefundedMinor, p.Currency) + " + unknown" + mark
	case p.RefundedAmountUnknown:
		return "unknown" + mark
	case p.RefundedMinor != 0:
		return payment.FormatMinor(p.RefundedMinor, p.Currency)
	}
	return "-"
}
