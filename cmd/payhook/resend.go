package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store"
)

func newResendCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use: "resend (<provider> <event id> | --payment P | --since T [--provider P] [--type T]) [--destination D] [--dry-run] [--rate N] " +
			"[--data DIR | --table NAME --region R]",
		Short: "send applied payment events to your endpoints again, with their message ids unchanged",
		Long: "Only events that changed a payment were sent, so only those are sent again, each as it was first sent and with the\n" +
			"same webhook-id: a consumer that handled one drops it, one whose handler failed takes it now (docs/decisions.md).\n" +
			"Locally the messages join the outbox, which serve delivers; on AWS they go to the event bus, or with\n" +
			"--destination to that destination's queue.",
	}
	fs := cmd.Flags()
	filters := addFilterFlags(cmd, which{payment: true, until: true})
	destination := fs.String("destination", "", "only this destination: its URL locally (as payhook forward status names it), its event_destinations name on AWS")
	bulk := addBulkFlags(fs, "resend")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		if err := bulk.check(); err != nil {
			return err
		}
		f, err := filters.checked()
		if err != nil {
			return err
		}
		req := operate.ResendRequest{Destination: *destination}
		switch {
		case len(positional) == 2 && !filters.given():
			if err := operate.CheckProvider(positional[0]); err != nil {
				return usageError("%v", err)
			}
			req.Provider, req.EventID = positional[0], positional[1]
		case len(positional) == 0 && f.Payment != "":
			req.Filter = f
		case len(positional) == 0 && (!f.Since.IsZero() || f.Provider != "" || f.Type != ""):
			req.Filter = f
		default:
			return usageError("give <provider> <event id>, --payment <provider>/<payment id>, or a filter (--since, --provider, --type): not everything at once by accident")
		}
		if f.Payment != "" {
			// A payment's events in one page, so that they go out in order.
			*bulk.pageSize = store.MaxQueryLimit
		}
		ctx := context.Background()
		stdout := cmd.OutOrStdout()
		var totals operate.Totals
		err = where.with(ctx, func(op operate.Operator) (err error) {
			progress := newProgress(cmd.ErrOrStderr(), "resent")
			totals, err = operate.Drive(ctx, func(p operate.Page) (operate.BulkPage, error) {
				r := req
				r.Page, r.DryRun = p, *bulk.dryRun
				return op.Resend(ctx, r)
			}, operate.DriveOptions{PageSize: *bulk.pageSize, Rate: *bulk.rate, Progress: progress.show})
			progress.done()
			return err
		})
		for _, skip := range totals.Skips {
			fmt.Fprintf(stdout, "not resent: %s\n", printable(skip))
		}
		switch {
		case err != nil:
			return err
		case *bulk.dryRun:
			fmt.Fprintf(stdout, "would resend %d applied events; nothing was sent\n", totals.Matched)
		default:
			fmt.Fprintf(stdout, "%d events resent with their message ids unchanged, %d not resent\n", totals.Done, totals.Skipped)
		}
		if req.EventID != "" && totals.Done == 0 && !*bulk.dryRun {
			return fmt.Errorf("%s/%s was not resent", printable(req.Provider), printable(req.EventID))
		}
		return nil
	}
	return cmd
}
