// Package console is payhook's web console: the pages an operator reads
// and acts from at 3 a.m., over the same operate.Operator the CLI uses,
// on a loopback listener only.
//
// Secure by construction: server-rendered with html/template, which
// escapes every value for where it lands (a webhook body is written by a
// stranger); one small same-origin script; a Content-Security-Policy that
// allows nothing else; Guard's Host and Origin checks against DNS
// rebinding; a one-time login link that sets an HttpOnly, SameSite=Strict
// session cookie; a CSRF token on every action, which are POSTs only.
package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/operate"
)

// Paths under which the console is served.
const (
	// Prefix is where every console page lives.
	Prefix    = "/console/"
	loginPath = Prefix + "login"
	// cookieName names the session cookie.
	cookieName = "payhook_console"
	// sessionLife is how long a session lasts after login.
	sessionLife = 12 * time.Hour
)

//go:embed templates/*.html static/*
var files embed.FS

// Config is what a console shows and acts on.
type Config struct {
	// Operator is what every page reads and every action does, as the
	// CLI's commands do.
	Operator operate.Operator
	// Audit verifies the audit trail; nil where the console cannot read
	// it (on AWS it is the auditor's CloudWatch Logs).
	Audit func(context.Context) (audit.Report, error)
	// Where says what the console operates, for its header ("data
	// directory .payhook", "table payhook-prod in eu-west-1").
	Where string
	// Log records the actions taken: what, never a body or a token.
	Log zerolog.Logger
}

// Console serves the pages. Its login links and sessions live in memory:
// a restart asks for a new link.
type Console struct {
	cfg   Config
	pages *pages

	mu       sync.Mutex
	logins   map[[32]byte]bool // digests of the login tokens not used yet
	sessions map[[32]byte]session
}

type session struct {
	csrf    string
	expires time.Time
}

// New returns a console for cfg.
func New(cfg Config) *Console {
	return &Console{cfg: cfg, pages: parsePages(), logins: map[[32]byte]bool{}, sessions: map[[32]byte]session{}}
}

// NewLogin mints a login link's path and query: it works once, and sets
// the session cookie that every page then needs.
func (c *Console) NewLogin() string {
	token := randomToken()
	c.mu.Lock()
	c.logins[sha256.Sum256([]byte(token))] = true
	c.mu.Unlock()
	return loginPath + "?token=" + token
}

// Handler serves the console's pages under Prefix. Put Guard in front of
// it.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+loginPath, c.login)
	mux.Handle("GET /console/static/", http.StripPrefix("/console/", http.FileServerFS(files)))
	c.routes(mux)
	return secureHeaders(mux)
}

// login trades a login token, once, for a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	digest := sha256.Sum256([]byte(r.URL.Query().Get("token")))
	c.mu.Lock()
	fresh := c.logins[digest]
	delete(c.logins, digest)
	c.mu.Unlock()
	if !fresh {
		c.pages.problem(w, http.StatusForbidden, "This login link is not valid: each works once. Ask for a new one: payhook console (it prints a console: line with a fresh link).")
		return
	}
	id, csrf := randomToken(), randomToken()
	c.mu.Lock()
	now := time.Now()
	for k, s := range c.sessions {
		if now.After(s.expires) {
			delete(c.sessions, k)
		}
	}
	c.sessions[sha256.Sum256([]byte(id))] = session{csrf: csrf, expires: now.Add(sessionLife)}
	c.mu.Unlock()
	// Not Secure: the console is plain HTTP on loopback, where not every
	// browser keeps a Secure cookie.
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, //nolint:gosec // G124: see above
		MaxAge: int(sessionLife.Seconds())})
	c.cfg.Log.Info().Msg("console: logged in")
	http.Redirect(w, r, Prefix+"events", http.StatusSeeOther)
}

// session returns the request's session, if its cookie names a live one.
func (c *Console) session(r *http.Request) (session, bool) {
	cookie, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[sha256.Sum256([]byte(cookie.Value))]
	return s, ok && time.Now().Before(s.expires)
}

// authorized passes only a request with a session; an action (POST) also
// needs the session's CSRF token and a same-origin Origin, which Guard
// has checked is the console's own when present.
func (c *Console) authorized(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			c.pages.problem(w, http.StatusUnauthorized, "Log in with the link the console: line printed (payhook serve's banner, or payhook console).")
			return
		}
		if r.Method != http.MethodGet {
			given := r.PostFormValue("csrf")
			if r.Header.Get("Origin") == "" || subtle.ConstantTimeCompare([]byte(given), []byte(s.csrf)) != 1 {
				c.pages.problem(w, http.StatusForbidden, "Refused: this action did not come from a console page (no valid CSRF token or Origin).")
				return
			}
		}
		next(w, r, s)
	}
}

// secureHeaders sets what every answer carries: a policy that runs only
// the console's own script and style, and never a page in a frame; no
// caching, and no Referer to another origin (a login link's token
// stays out of both).
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: with no-referrer a form's POST
		// says Origin: null, which Guard cannot tell from another origin.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
