package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store"
)

func newEventsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events [filters] [--limit N] [--cursor C] [--json] [--data DIR | --table NAME --region R]",
		Short: "list stored webhooks, newest first",
		Long: "Filters: --provider, --type, --status, --payment, --source, --since, --until, or --stuck AGE.\n" +
			"A page holds --limit webhooks; the line after it gives the command for the next page.",
		Args: noArgs,
	}
	fs := cmd.Flags()
	filters := addFilterFlags(cmd, which{status: true, payment: true, source: true, until: true})
	limit := fs.Int("limit", store.DefaultQueryLimit, fmt.Sprintf("webhooks per page (at most %d)", store.MaxQueryLimit))
	cursor := fs.String("cursor", "", "the page after the one that printed this cursor")
	forwardsFailed := fs.Bool("forwards-failed", false, "list the forwarded events given up on (the forwarding dead-letter queue) instead")
	destination := fs.String("destination", "", "with --forwards-failed: only this destination's")
	stuck := fs.Duration("stuck", 0, "only webhooks still RECEIVED this long after they arrived (e.g. 15m): ones processing gave up on")
	accepts(fs, "stuck", "a positive duration such as 15m")
	asJSON := fs.Bool("json", false, "print JSON: the page's events and the cursor of the next")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		stuckGiven := cmd.Flags().Changed("stuck")
		if *forwardsFailed {
			if filters.given() || stuckGiven {
				return usageError("--forwards-failed lists forwards, not webhooks: drop the webhook filters and --stuck")
			}
			return deadForwards(context.Background(), where, *destination, *asJSON, stdout)
		}
		if *destination != "" {
			return usageError("--destination goes with --forwards-failed")
		}
		if *limit < 1 || *limit > store.MaxQueryLimit {
			return usageError("--limit: a whole number from 1 to %d", store.MaxQueryLimit)
		}
		f, err := filters.checked()
		if err != nil {
			return err
		}
		if stuckGiven {
			switch {
			case *stuck <= 0:
				return refused(fs, "stuck")
			case f.Status != "" && f.Status != store.StatusReceived:
				return usageError("--stuck lists webhooks still RECEIVED: drop --status %s", f.Status)
			case !f.Until.IsZero():
				return usageError("--stuck lists webhooks received until that long ago: drop --until")
			}
			f.Status, f.Until = store.StatusReceived, time.Now().Add(-*stuck)
		}
		ctx := context.Background()
		page, err := answer(ctx, where, func(op operate.Operator) (operate.EventPage, error) {
			return op.Events(ctx, f, operate.Page{Cursor: *cursor, Limit: *limit})
		})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, page)
		}
		printEvents(stdout, page.Events)
		if page.Next != "" {
			fmt.Fprintf(stdout, "\nmore: %s\n", nextPageCommand(cmd, page.Next))
		} else if len(page.Events) == 0 {
			fmt.Fprintf(stdout, "no webhooks match (%s)\n", describe(f))
		}
		return nil
	}
	cmd.AddCommand(newEventsShowCommand())
	return cmd
}

// printEvents lists webhooks, one a line; every field a sender chose is
// escaped.
func printEvents(w io.Writer, events []operate.WebhookView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECEIVED\tPROVIDER\tEVENT ID\tTYPE\tSTATUS\tATTEMPTS\tPAYMENT\tOUTCOME\tWHY")
	for _, v := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", v.ReceivedAt.Local().Format(time.DateTime), printable(v.Provider), printable(v.EventID),
			printable(v.EventType), v.Status, v.Attempts, printable(v.PaymentKey), v.Outcome, printable(cmp.Or(v.LastError, v.OutcomeReason)))
	}
	_ = tw.Flush() // to stdout; a failure shows as missing lines
}

// nextPageCommand is the command line that prints the next page: this
// one's flags, with the new cursor.
func nextPageCommand(cmd *cobra.Command, next string) string {
	args := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "cursor" {
			args = append(args, "--"+f.Name+"="+shellQuote(f.Value.String()))
		}
	})
	return strings.Join(append(args, "--cursor="+next), " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && !strings.ContainsRune("-_./:+@,", r)
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(printable(s), "'", `'\''`) + "'"
}

func newEventsShowCommand() *cobra.Command {
	return newShowCommand(&cobra.Command{
		Use:   "show <provider> <event id> [--json] [--data DIR | --table NAME --region R]",
		Short: "everything held about one webhook: body, arrival, canonical event, processing, audit, forwards",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError("want: events show <provider> <event id>")
			}
			if err := operate.CheckProvider(args[0]); err != nil {
				return usageError("%v", err)
			}
			return nil
		},
	}, func(ctx context.Context, op operate.Operator, args []string) (operate.EventDetail, error) {
		return op.Event(ctx, args[0], args[1])
	}, printEventDetail)
}

// newShowCommand completes cmd as a command that shows one thing: fetched
// with the target's operator, printed as JSON with --json, else by render.
func newShowCommand[T any](cmd *cobra.Command, fetch func(context.Context, operate.Operator, []string) (T, error), render func(io.Writer, T)) *cobra.Command {
	fs := cmd.Flags()
	asJSON := fs.Bool("json", false, "print JSON")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := context.Background()
		shown, err := answer(ctx, where, func(op operate.Operator) (T, error) { return fetch(ctx, op, args) })
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), shown)
		}
		render(cmd.OutOrStdout(), shown)
		return nil
	}
	return cmd
}

// printEventDetail shows one webhook. The body and every field a sender
// chose are escaped: a body that carries terminal escape sequences shows
// them as text.
func printEventDetail(out io.Writer, d operate.EventDetail) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	line := func(label, format string, a ...any) { fmt.Fprintf(tw, "%s\t%s\n", label, fmt.Sprintf(format, a...)) }
	line("event", "%s %s", printable(d.Provider), printable(d.EventID))
	line("type", "%s", printable(d.EventType))
	line("received", "%s as a %s (request %s, from %s)", stamp(d.ReceivedAt), d.Source, cmp.Or(printable(d.RequestID), "-"), cmp.Or(printable(d.SourceIP), "-"))
	if !d.OccurredAt.IsZero() {
		line("occurred", "%s (the provider's time)", stamp(d.OccurredAt))
	}
	line("verified", "%s", d.Verification.Outcome)
	for _, h := range d.Verification.Headers {
		value := printable(h.Value)
		if h.Hidden {
			value = "(a signature: not shown)"
		}
		line("", "%s: %s", printable(h.Name), value)
	}
	status := string(d.Status)
	if d.Outcome != "" {
		status += " (" + d.Outcome + ")"
	}
	line("status", "%s after %d attempts, last by %s at %s", status, d.Attempts, cmp.Or(d.UpdatedBy, "-"), stamp(d.UpdatedAt))
	if d.LastError != "" {
		line("failed", "%s", printable(d.LastError))
	}
	if d.OutcomeReason != "" {
		line("why", "%s", printable(d.OutcomeReason))
	}
	if d.PaymentKey != "" {
		line("payment", "%s%s", printable(d.PaymentKey), changeText(d.Change))
	}
	switch {
	case d.Canonical != nil:
		e := d.Canonical
		line("canonical", "%s, payment %s, %s, occurred %s", e.Type, cmp.Or(printable(e.PaymentID), "-"), amount(e.AmountMinor, e.Currency, e.AmountUnknown)+" "+printable(e.Currency), stamp(e.OccurredAt))
	case d.CanonicalError != "":
		line("canonical", "none: %s", printable(d.CanonicalError))
	}
	if d.MessageID != "" {
		line("message id", "%s (every forward of this event carries it)", d.MessageID)
	}
	if !d.ExpiresAt.IsZero() {
		line("kept until", "%s", stamp(d.ExpiresAt))
	}
	_ = tw.Flush()

	fmt.Fprintf(out, "\nbody (%d bytes, as received):\n", len(d.Body))
	for _, l := range strings.Split(prettyBody(d.Body), "\n") {
		fmt.Fprintf(out, "  %s\n", printable(l))
	}

	section(out, "audit", d.AuditNote, len(d.Audit), "no records yet")
	for _, r := range d.Audit {
		change := strings.TrimSpace(cmp.Or(r.OldStatus, "-") + " -> " + cmp.Or(r.NewStatus, "-"))
		if r.Kind == string(store.KindPayment) {
			change = "payment " + printable(store.Display(r.PK)) + " v" + cmp.Or(r.OldVersion, "0") + " -> v" + r.NewVersion
		}
		fmt.Fprintf(out, "  %s  %-6s  %s  by %s%s\n", stamp(r.Time), r.EventName, change, r.Actor, optional(" ", printable(r.Reason)))
	}

	section(out, "forwards", d.ForwardsNote, len(d.Forwards), "none: this event was forwarded nowhere")
	for _, f := range d.Forwards {
		state := f.State
		switch f.State {
		case store.ForwardDelivered:
			state += " " + stamp(f.DeliveredAt)
		case store.ForwardDead:
			state += " " + stamp(f.DeadAt) + " (payhook redrive --forwards)"
		}
		fmt.Fprintf(out, "  %s  %s, %d attempts%s\n", printable(f.Destination), state, f.Attempts, optional(", resent ", countOf(f.Resent)))
		for _, try := range f.Tries {
			answer := "no answer"
			if try.Status != 0 {
				answer = fmt.Sprintf("answered %d", try.Status)
			}
			fmt.Fprintf(out, "    %s  %s%s\n", stamp(try.At), answer, optional(": ", printable(try.Error)))
		}
	}
}

// section starts a part of events show: its title, and the note saying
// where its records are when they are not here, or that there are none.
func section(out io.Writer, title, note string, records int, none string) {
	fmt.Fprintf(out, "\n%s:\n", title)
	switch {
	case note != "":
		fmt.Fprintf(out, "  %s\n", printable(note))
	case records == 0:
		fmt.Fprintf(out, "  %s\n", none)
	}
}

// prettyBody indents a JSON body; anything else is shown as it is.
func prettyBody(body string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(body), "", "  ") != nil {
		return body
	}
	return out.String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05.000 MST")
}

func optional(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func countOf(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}
