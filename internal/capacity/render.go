package capacity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Rates are the rates docs/capacity.md answers for, webhooks a second.
var Rates = []float64{10, 100, 1000, 10000}

// Markdown is the model's part of docs/capacity.md: its inputs, the
// limits at the module's defaults, and each of Rates.
func (m Model) Markdown() (string, error) {
	w, err := m.work()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	points := make([]Point, len(Rates))
	for i, rate := range Rates {
		if points[i], err = m.At(rate); err != nil {
			return "", err
		}
	}

	fmt.Fprintf(&b, "### Summary\n\n| webhooks/s | binds first (module defaults) | lag to PROCESSED, typical / worst | USD per hour | USD per million webhooks |\n|---|---|---|---|---|\n")
	for _, p := range points {
		first := "nothing"
		if binding := p.Binding(); len(binding) > 0 {
			first = fmt.Sprintf("%s (%s/s)", binding[0].Name, formatNumber(binding[0].Capacity))
		}
		fmt.Fprintf(&b, "| %s | %s | %s / %s s | %s | %s |\n", formatNumber(p.Rate), first, seconds(p.LagTypical), seconds(p.LagWorst),
			money(p.CostPerHour), money(p.CostPerHour/(p.Rate*3600)*1e6))
	}

	fmt.Fprintf(&b, "\n### Inputs\n\nMeasured on %s (%s), %d webhooks: `%s`. The table keeps %s bytes per webhook (its payment's share included).\n\n",
		m.Measured.Date, m.Measured.Machine, m.Measured.Webhooks, m.Measured.Command, formatNumber(m.Measured.StoredBytes))
	fmt.Fprintf(&b, "| function | memory | share of a vCPU | CPU ms per webhook, measured | DynamoDB requests per webhook | ms per webhook on AWS | stream records per webhook | WRU | RRU | log bytes |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range []struct {
		name string
		size Sizing
		ms   float64
	}{{"receiver", m.Settings.Receiver, w.receiverMs}, {"processor", m.Settings.Processor, w.processorMs}, {"auditor", m.Settings.Auditor, w.auditorMs}} {
		measured, err := m.Measured.Function(f.name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "| %s | %s MB | %.3f | %.3g | %s | %.1f | %g | %g | %g | %s |\n", f.name, formatNumber(f.size.MemoryMB), math.Min(1, f.size.MemoryMB/LambdaMBPerVCPU),
			measured.CPUMs, requests(measured), f.ms, measured.StreamRecords, measured.WRU, measured.RRU, formatNumber(measured.LogBytes))
	}

	defaults, err := m.At(1)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\n### Limits at the module's defaults\n\nWith a new table (%s shards), lowest first:\n\n| limit | webhooks/s it carries | raised by |\n|---|---|---|\n", formatNumber(defaults.Shards))
	for _, l := range defaults.Limits {
		per := ""
		if l.Scope != "" {
			per = " " + l.Scope
		}
		fmt.Fprintf(&b, "| %s | %s%s | %s |\n", l.Name, formatNumber(l.Capacity), per, l.Raise)
	}

	for _, p := range points {
		fmt.Fprintf(&b, "\n### %s webhooks a second\n\n", formatNumber(p.Rate))
		if binding := p.Binding(); len(binding) == 0 {
			fmt.Fprintf(&b, "The module's defaults carry it with %g× headroom: nothing to raise.", Headroom)
		} else {
			names := make([]string, len(binding))
			for i, l := range binding {
				names[i] = fmt.Sprintf("%s (%s/s)", l.Name, formatNumber(l.Capacity))
			}
			fmt.Fprintf(&b, "Binds first, with %g× headroom: %s.", Headroom, strings.Join(names, "; then "))
		}
		var scoped []string
		for _, l := range p.Limits {
			if l.Scope != "" && l.Capacity < p.Rate*Headroom {
				scoped = append(scoped, fmt.Sprintf("%s, %s/s %s", l.Name, formatNumber(l.Capacity), l.Scope))
			}
		}
		if len(scoped) > 0 {
			fmt.Fprintf(&b, " Where they apply, before anything else: %s.", strings.Join(scoped, "; "))
		}
		fmt.Fprintf(&b, " On average the receiver runs %.1f at once, the processor %.1f, the auditor %.1f, over %s shards.\n\n",
			p.ReceiverConcurrency, p.ProcessorConcurrency, p.AuditorConcurrency, formatNumber(p.Shards))
		if len(p.Raise) > 0 {
			fmt.Fprintf(&b, "| setting | default | for %s/s |\n|---|---|---|\n", formatNumber(p.Rate))
			for _, s := range p.Raise {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Name, s.Default, s.Needed)
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Lag from delivery to PROCESSED: %s s typical, %s s at worst.\n\n| item | per hour | USD per hour |\n|---|---|---|\n", seconds(p.LagTypical), seconds(p.LagWorst))
		for _, c := range p.Costs {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Item, c.Quantity, money(c.USD))
		}
		fmt.Fprintf(&b, "| **total** | | **%s** |\n", money(p.CostPerHour))
	}
	return b.String(), nil
}

func requests(f Function) string {
	if len(f.Requests) == 0 {
		return "0"
	}
	var parts []string
	for _, op := range []string{"PutItem", "GetItem", "TransactWriteItems", "UpdateItem", "Query"} {
		if n, ok := f.Requests[op]; ok {
			parts = append(parts, fmt.Sprintf("%g %s", n, op))
		}
	}
	if len(parts) != len(f.Requests) {
		parts = append(parts, "and others")
	}
	return strings.Join(parts, ", ")
}

// formatNumber writes x with thousands separators, to three significant
// digits below 100.
func formatNumber(x float64) string {
	if x < 100 {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	digits := strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

func money(usd float64) string {
	if usd < 10 {
		return fmt.Sprintf("$%.3f", usd)
	}
	return "$" + formatNumber(usd)
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 2, 64) }
