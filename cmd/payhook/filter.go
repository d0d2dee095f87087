package main

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// timeValue is a flag that takes a time: RFC 3339, a date, or an age
// (how long ago: 90m, 36h, 7d).
type timeValue struct {
	t   *time.Time
	now func() time.Time
}

func (v timeValue) String() string {
	if v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339Nano)
}

func (v timeValue) Type() string { return "time" }

func (v timeValue) Set(s string) error {
	t, err := operate.ParseTime(s, v.now())
	if err != nil {
		return errors.New(wants["time"])
	}
	*v.t = t
	return nil
}

func init() {
	wants["time"] = "a time such as 2026-05-01T10:00:00Z or 2026-05-01, or an age such as 90m or 7d"
}

// filterFlags are the flags that select webhooks, as every listing and
// bulk action takes them.
type filterFlags struct {
	filter operate.Filter
	status string
	fs     *pflag.FlagSet
}

// which names the filter flags a command takes.
type which struct{ status, payment, source, until bool }

func addFilterFlags(cmd *cobra.Command, w which) *filterFlags {
	ff := &filterFlags{fs: cmd.Flags()}
	fs := cmd.Flags()
	fs.StringVar(&ff.filter.Provider, "provider", "", "only this provider's webhooks (stripe, paypal, ..., standard:<sender>)")
	fs.StringVar(&ff.filter.Type, "type", "", "only webhooks of this provider event type (e.g. payment_intent.succeeded)")
	fs.Var(timeValue{&ff.filter.Since, time.Now}, "since", "only webhooks received at or after this time (2026-05-01T10:00:00Z, 2026-05-01, or an age: 90m, 7d)")
	_ = cmd.RegisterFlagCompletionFunc("provider", completeValues(registry.Names()...))
	if w.until {
		fs.Var(timeValue{&ff.filter.Until, time.Now}, "until", "only webhooks received before this time (same forms as --since)")
	}
	if w.status {
		fs.StringVar(&ff.status, "status", "", "only webhooks in this status: RECEIVED, PROCESSED, FAILED or RETRY (any case)")
		_ = cmd.RegisterFlagCompletionFunc("status", completeValues(string(store.StatusReceived), string(store.StatusProcessed), string(store.StatusFailed), string(store.StatusRetry)))
	}
	if w.payment {
		fs.StringVar(&ff.filter.Payment, "payment", "", "only one payment's webhooks: <provider>/<payment id>, as payhook payments prints it (stripe/pi_123)")
	}
	if w.source {
		fs.StringVar(&ff.filter.Source, "source", "", "only webhooks that arrived this way: webhook (delivered) or reconcile (fetched after a missed delivery)")
		_ = cmd.RegisterFlagCompletionFunc("source", completeValues(operate.Sources...))
	}
	return ff
}

// given reports whether any filter flag was set.
func (ff *filterFlags) given() bool {
	given := false
	for _, name := range []string{"provider", "type", "since", "until", "status", "payment", "source"} {
		if f := ff.fs.Lookup(name); f != nil && f.Changed {
			given = true
		}
	}
	return given
}

// checked is the filter, checked: a mistake names the flag and the values
// that would match.
func (ff *filterFlags) checked() (operate.Filter, error) {
	f := ff.filter
	f.Status = store.Status(ff.status)
	checked, err := f.Check()
	if err != nil {
		return f, usageError("%s", flagOf(err.Error()))
	}
	return checked, nil
}

// flagOf turns a Filter's message ("status \"x\": want ...") into one about
// its flag (--status "x": want ...).
func flagOf(message string) string {
	for _, name := range []string{"provider", "status", "source", "payment", "since"} {
		if rest, ok := strings.CutPrefix(message, name+" "); ok {
			return "--" + name + " " + rest
		}
	}
	return message
}

// describe says in words what f selects, for a summary line.
func describe(f operate.Filter) string {
	var parts []string
	for _, p := range []struct{ name, value string }{{"provider", f.Provider}, {"status", string(f.Status)}, {"type", f.Type},
		{"source", f.Source}, {"payment", f.Payment}} {
		if p.value != "" {
			parts = append(parts, p.name+" "+printable(p.value))
		}
	}
	if !f.Since.IsZero() {
		parts = append(parts, "received since "+f.Since.Local().Format(time.DateTime))
	}
	if !f.Until.IsZero() {
		parts = append(parts, "received before "+f.Until.Local().Format(time.DateTime))
	}
	if len(parts) == 0 {
		return "every webhook"
	}
	return strings.Join(parts, ", ")
}

// paymentRef formats a payment as every command spells it.
func paymentRef(provider, id string) string { return provider + "/" + id }
