package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// pageNames are the pages, each a template file that defines "content"
// inside the layout.
var pageNames = []string{"events", "event", "payments", "payment", "dead", "forwarding", "reconcile", "audit", "done", "problem"}

// pages are the parsed templates, one set per page.
type pages struct{ byName map[string]*template.Template }

func parsePages() *pages {
	funcs := template.FuncMap{
		"stamp": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.Local().Format("2006-01-02 15:04:05")
		},
		"pretty": prettyJSON,
		"eventURL": func(provider, id string) string {
			return Prefix + "event?" + url.Values{"provider": {provider}, "id": {id}}.Encode()
		},
		"paymentURL": func(key string) string { return Prefix + "payment?" + url.Values{"key": {key}}.Encode() },
		"paid":       paid,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html"))
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		p.byName[name] = template.Must(template.Must(layout.Clone()).ParseFS(files, "templates/"+name+".html"))
	}
	return p
}

// view is what every page's template gets: the page's own data in Data.
type view struct {
	Title, Nav, Where, CSRF string
	Live                    bool
	Data                    any
}

// render writes a page; a template that fails midway leaves a page cut
// short, never a value unescaped.
func (p *pages) render(w http.ResponseWriter, status int, name string, v view) {
	var buf bytes.Buffer
	if err := p.byName[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// problem is a page that says what went wrong and what to do.
func (p *pages) problem(w http.ResponseWriter, status int, message string) {
	p.render(w, status, "problem", view{Title: http.StatusText(status), Data: message})
}

func (c *Console) routes(mux *http.ServeMux) {
	get := func(path string, h func(http.ResponseWriter, *http.Request, session)) {
		mux.Handle("GET "+Prefix+path, c.authorized(h))
	}
	post := func(path string, h func(http.ResponseWriter, *http.Request, session)) {
		mux.Handle("POST "+Prefix+path, c.authorized(h))
	}
	get("{$}", func(w http.ResponseWriter, r *http.Request, _ session) {
		http.Redirect(w, r, Prefix+"events", http.StatusSeeOther)
	})
	get("events", c.events)
	get("event", c.event)
	get("payments", c.payments)
	get("payment", c.payment)
	get("dead", c.dead)
	get("forwarding", c.forwarding)
	get("reconcile", c.reconcile)
	get("audit", c.audit)
	post("redrive", c.redrive)
	post("redrive-matching", c.redriveMatching)
	post("redrive-selected", c.redriveSelected)
	post("resend", c.resend)
	post("forwards/redrive", c.redriveForwards)
}

// page renders a page of the console's, or what failed instead.
func (c *Console) page(w http.ResponseWriter, s session, name, title string, data any, err error) {
	if err != nil {
		c.failed(w, err)
		return
	}
	c.pages.render(w, http.StatusOK, name, view{Title: title, Nav: name, Where: c.cfg.Where, CSRF: s.csrf, Data: data})
}

// failed shows an operator's error: not found, a bad filter, or the store.
func (c *Console) failed(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var bad badRequest
	switch {
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	}
	c.pages.problem(w, status, err.Error())
}

type badRequest struct{ error }

// filterForm is a listing's filter as its form holds it.
type filterForm struct {
	Provider, Type, Status, Payment, Source, Since, Until string
	Limit                                                 int
}

// filterOf reads a listing's filter and page from a form: the same
// filter as payhook events takes, its times in the same forms (an RFC
// 3339 time, a date, or an age such as 90m or 7d).
func filterOf(v url.Values, now time.Time) (filterForm, operate.Filter, operate.Page, error) {
	form := filterForm{Provider: v.Get("provider"), Type: v.Get("type"), Status: v.Get("status"), Payment: v.Get("payment"),
		Source: v.Get("source"), Since: v.Get("since"), Until: v.Get("until"), Limit: store.DefaultQueryLimit}
	f := operate.Filter{Provider: form.Provider, Type: form.Type, Status: store.Status(form.Status), Payment: form.Payment, Source: form.Source}
	page := operate.Page{Cursor: v.Get("cursor")}
	for _, t := range []struct {
		raw  string
		into *time.Time
	}{{form.Since, &f.Since}, {form.Until, &f.Until}} {
		if t.raw == "" {
			continue
		}
		parsed, err := operate.ParseTime(t.raw, now)
		if err != nil {
			return form, f, page, badRequest{err}
		}
		*t.into = parsed
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxQueryLimit {
			return form, f, page, badRequest{fmt.Errorf("limit: a whole number from 1 to %d", store.MaxQueryLimit)}
		}
		form.Limit = n
	}
	page.Limit = form.Limit
	checked, err := f.Check()
	if err != nil {
		return form, f, page, badRequest{err}
	}
	return form, checked, page, nil
}

// listing is the events and dead-letter pages' data.
type listing struct {
	Form      filterForm
	Providers []string
	Statuses  []store.Status
	Sources   []string
	Page      operate.EventPage
	// NextURL is the next page's address; empty on the last.
	NextURL string
	// Select puts a checkbox on each row, for Redrive selected; CSRF is
	// the session's token its form carries.
	Select        bool
	CSRF          string
	Forwards      []operate.DeadForward
	ForwardsError string
}

func (c *Console) list(r *http.Request, defaultStatus store.Status) (listing, error) {
	q := r.URL.Query()
	if defaultStatus != "" && q.Get("status") == "" {
		q.Set("status", string(defaultStatus))
	}
	form, f, page, err := filterOf(q, time.Now())
	data := listing{Form: form, Providers: registry.Names(), Statuses: operate.Statuses, Sources: operate.Sources}
	if err != nil {
		return data, err
	}
	data.Page, err = c.cfg.Operator.Events(r.Context(), f, page)
	if err != nil {
		return data, err
	}
	if data.Page.Next != "" {
		next := url.Values{}
		for k, vs := range q {
			if k != "cursor" && k != "live" {
				next[k] = vs
			}
		}
		next.Set("cursor", data.Page.Next)
		data.NextURL = r.URL.Path + "?" + next.Encode()
	}
	return data, nil
}

func (c *Console) events(w http.ResponseWriter, r *http.Request, s session) {
	data, err := c.list(r, "")
	if err != nil {
		c.failed(w, err)
		return
	}
	live := r.URL.Query().Get("live") != "" && r.URL.Query().Get("cursor") == ""
	c.pages.render(w, http.StatusOK, "events", view{Title: "Webhooks", Nav: "events", Where: c.cfg.Where, CSRF: s.csrf, Live: live, Data: data})
}

// eventView is an event's page: the detail, its body and canonical event
// as indented JSON, and what can be done to it.
type eventView struct {
	operate.EventDetail
	Body, Canonical       string
	CanRedrive, CanResend bool
}

func (c *Console) event(w http.ResponseWriter, r *http.Request, s session) {
	q := r.URL.Query()
	provider, id := q.Get("provider"), strings.TrimSpace(q.Get("id"))
	if err := operate.CheckProvider(provider); err != nil || id == "" {
		c.failed(w, badRequest{cmp.Or(err, errors.New("give an event id"))})
		return
	}
	detail, err := c.cfg.Operator.Event(r.Context(), provider, id)
	v := eventView{EventDetail: detail, Body: prettyJSON(detail.Body)}
	if detail.Canonical != nil {
		raw, _ := json.MarshalIndent(detail.Canonical, "", "  ") // a struct of payhook's own
		v.Canonical = string(raw)
	}
	v.CanRedrive = detail.Status == store.StatusFailed
	v.CanResend = detail.Outcome == string(payment.Applied)
	c.page(w, s, "event", provider+" "+id, v, err)
}

func (c *Console) payments(w http.ResponseWriter, r *http.Request, s session) {
	states, err := c.cfg.Operator.Payments(r.Context())
	c.page(w, s, "payments", "Payments", states, err)
}

func (c *Console) payment(w http.ResponseWriter, r *http.Request, s session) {
	key := strings.TrimSpace(r.URL.Query().Get("key"))
	if _, _, err := operate.ParsePayment(key); err != nil {
		c.failed(w, badRequest{err})
		return
	}
	detail, err := c.cfg.Operator.Payment(r.Context(), key)
	c.page(w, s, "payment", key, detail, err)
}

func (c *Console) dead(w http.ResponseWriter, r *http.Request, s session) {
	data, err := c.list(r, store.StatusFailed)
	if err != nil {
		c.failed(w, err)
		return
	}
	data.Select, data.CSRF = true, s.csrf
	data.Forwards, err = c.cfg.Operator.DeadForwards(r.Context(), "")
	if err != nil {
		data.ForwardsError = err.Error()
	}
	c.page(w, s, "dead", "Dead letters", data, nil)
}

func (c *Console) forwarding(w http.ResponseWriter, r *http.Request, s session) {
	statuses, err := c.cfg.Operator.ForwardStatus(r.Context())
	c.page(w, s, "forwarding", "Forwarding", statuses, err)
}

func (c *Console) reconcile(w http.ResponseWriter, r *http.Request, s session) {
	checkpoints, err := c.cfg.Operator.Checkpoints(r.Context())
	c.page(w, s, "reconcile", "Reconciliation", checkpoints, err)
}

// auditView is the audit page's data: Available is false where the
// console cannot read the trail.
type auditView struct {
	Available bool
	Report    audit.Report
	Error     string
	Checked   time.Time
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request, s session) {
	v := auditView{Available: c.cfg.Audit != nil, Checked: time.Now()}
	if v.Available {
		report, err := c.cfg.Audit(r.Context())
		v.Report = report
		if err != nil {
			v.Error = err.Error()
		}
	}
	c.page(w, s, "audit", "Audit trail", v, nil)
}

// done is an action's result page.
type done struct {
	What  string
	Lines []string
	Back  string
}

func (c *Console) redrive(w http.ResponseWriter, r *http.Request, s session) {
	provider, id := r.PostFormValue("provider"), r.PostFormValue("event_id")
	if err := operate.CheckProvider(provider); err != nil {
		c.failed(w, badRequest{err})
		return
	}
	err := c.cfg.Operator.Redrive(r.Context(), provider, id)
	c.cfg.Log.Info().Str("provider", provider).Str("event_id", id).Err(err).Msg("console: redrive")
	c.page(w, s, "done", "Redriven", done{What: "Redriven: " + provider + "/" + id + " is RETRY; the processor takes it from here.",
		Back: Prefix + "event?" + url.Values{"provider": {provider}, "id": {id}}.Encode()}, err)
}

func (c *Console) redriveMatching(w http.ResponseWriter, r *http.Request, s session) {
	_, f, _, err := filterOf(r.PostForm, time.Now())
	if err != nil {
		c.failed(w, err)
		return
	}
	if f, err = operate.CheckRedrive(f); err != nil {
		c.failed(w, badRequest{err})
		return
	}
	dryRun := r.PostFormValue("dry_run") != ""
	// Paced as the CLI paces it, a large backlog takes longer than the
	// listener's write timeout: the answer waits for the last page.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
		c.failed(w, err)
		return
	}
	totals, err := operate.Drive(r.Context(), func(p operate.Page) (operate.BulkPage, error) {
		return c.cfg.Operator.RedriveMatching(r.Context(), operate.BulkRequest{Filter: f, Page: p, DryRun: dryRun})
	}, operate.DriveOptions{PageSize: operate.DefaultPageSize, Rate: operate.DefaultRate})
	c.cfg.Log.Info().Bool("dry_run", dryRun).Int("matched", totals.Matched).Int("redriven", totals.Done).Err(err).Msg("console: redrive by filter")
	what := fmt.Sprintf("%d webhooks match; nothing was done (a count).", totals.Matched)
	if !dryRun {
		what = fmt.Sprintf("%d redriven (status RETRY: the processor takes them from here), %d moved on meanwhile, of %d that matched.", totals.Done, totals.Skipped, totals.Matched)
	}
	c.page(w, s, "done", "Redrive by filter", done{What: what, Lines: totals.Skips, Back: Prefix + "dead"}, err)
}

// redriveSelected redrives the webhooks ticked on the dead-letter page,
// each "<provider>/<event id>".
func (c *Console) redriveSelected(w http.ResponseWriter, r *http.Request, s session) {
	selected := r.PostForm["event"]
	if len(selected) == 0 || len(selected) > store.MaxQueryLimit {
		c.failed(w, badRequest{fmt.Errorf("select from 1 to %d webhooks", store.MaxQueryLimit)})
		return
	}
	var lines []string
	redriven := 0
	for _, name := range selected {
		provider, id, _ := strings.Cut(name, "/")
		err := operate.CheckProvider(provider)
		if err == nil {
			err = c.cfg.Operator.Redrive(r.Context(), provider, id)
		}
		if err != nil {
			lines = append(lines, name+": "+err.Error())
			continue
		}
		redriven++
	}
	c.cfg.Log.Info().Int("selected", len(selected)).Int("redriven", redriven).Msg("console: redrive selected")
	what := fmt.Sprintf("%d of %d redriven (status RETRY: the processor takes them from here).", redriven, len(selected))
	c.page(w, s, "done", "Redrive selected", done{What: what, Lines: lines, Back: Prefix + "dead"}, nil)
}

func (c *Console) resend(w http.ResponseWriter, r *http.Request, s session) {
	provider, id := r.PostFormValue("provider"), r.PostFormValue("event_id")
	if err := operate.CheckProvider(provider); err != nil {
		c.failed(w, badRequest{err})
		return
	}
	result, err := c.cfg.Operator.Resend(r.Context(), operate.ResendRequest{Provider: provider, EventID: id})
	c.cfg.Log.Info().Str("provider", provider).Str("event_id", id).Err(err).Msg("console: resend")
	what := fmt.Sprintf("Resent %d (the message keeps its webhook-id: an app that handled it already drops it).", len(result.Done))
	c.page(w, s, "done", "Resent", done{What: what, Lines: append(result.Done, result.Skipped...),
		Back: Prefix + "event?" + url.Values{"provider": {provider}, "id": {id}}.Encode()}, err)
}

func (c *Console) redriveForwards(w http.ResponseWriter, r *http.Request, s session) {
	destination := r.PostFormValue("destination")
	n, err := c.cfg.Operator.RedriveForwards(r.Context(), destination)
	c.cfg.Log.Info().Int("queued", n).Err(err).Msg("console: redrive forwards")
	c.page(w, s, "done", "Forwards queued again", done{What: fmt.Sprintf("%d forwarded events queued again.", n), Back: Prefix + "dead"}, err)
}

// prettyJSON indents a JSON body; anything else is shown as it is. Either
// way the template escapes it.
func prettyJSON(body string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(body), "", "  ") != nil {
		return body
	}
	return buf.String()
}

// paid shows a payment's amount, or that no event stated it: p is a
// payment.State, or a pointer to one.
func paid(p any) string {
	state, ok := p.(payment.State)
	if pointer, isPointer := p.(*payment.State); isPointer && pointer != nil {
		state, ok = *pointer, true
	}
	if !ok || state.AmountUnknown {
		return "unknown"
	}
	return payment.FormatMinor(state.AmountMinor, state.Currency) + " " + state.Currency
}
