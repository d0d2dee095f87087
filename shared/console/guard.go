package console

import (
	"net"
	"net/http"
	"slices"
	"strings"
)

// LoopbackHosts are the Host values a browser sends to the loopback
// listener at addr ("127.0.0.1:PORT"): the address itself and the
// loopback names with its port. Nothing else is this listener.
func LoopbackHosts(addr string) []string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{addr}
	}
	hosts := []string{addr}
	for _, name := range []string{"127.0.0.1", "localhost", "::1"} {
		if h := net.JoinHostPort(name, port); h != addr {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// Guard refuses a request whose Host is not one of hosts, or that carries
// an Origin other than theirs: what a page does after DNS rebinding
// (attacker.example resolving to 127.0.0.1) or from another origin. It
// stands in front of every route of the loopback listener, the admin
// API's token handshake and metrics included, so that such a page reads
// nothing and learns nothing.
func Guard(hosts []string, next http.Handler) http.Handler {
	origins := make([]string, len(hosts))
	for i, h := range hosts {
		origins[i] = "http://" + h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(hosts, strings.ToLower(r.Host)) {
			refuse(w, "this listener answers to "+hosts[0]+" only")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !slices.Contains(origins, origin) {
			refuse(w, "a request from another origin")
			return
		}
		// A link followed from another site (the login link pasted in a
		// chat) is a navigation whose answer that site cannot read; any
		// other cross-site request is refused.
		navigation := r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Mode") == "navigate"
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" && !navigation {
			refuse(w, "a request from another site")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers 403 with why, in plain text: nothing of the request is
// echoed back.
func refuse(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("refused: " + why + "\n"))
}
