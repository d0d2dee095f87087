package local_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// TestTheDataDirectoryRoutesNeedTheToken: a backup holds the store and
// the development secrets; it, the check, the trail's position and the
// smoke test's removal answer only the admin token, as every admin route
// does, and a refusal carries nothing of what was asked.
func TestTheDataDirectoryRoutesNeedTheToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	for _, route := range []struct{ method, path string }{
		{http.MethodGet, "/admin/backup"},
		{http.MethodGet, "/admin/check"},
		{http.MethodGet, "/admin/trail"},
		{http.MethodDelete, "/admin/smoke/stripe/evt_smoke_1"},
	} {
		t.Run(route.method+" "+route.path, func(t *testing.T) {
			is := is.New(t)
			for _, authorization := range []string{"", "Bearer ", "Bearer " + info.Token + "x", "Bearer " + info.Token[1:], info.Token, "Basic " + info.Token} {
				req, err := http.NewRequest(route.method, s.AdminURL+route.path, nil)
				is.NoErr(err)
				if authorization != "" {
					req.Header.Set("Authorization", authorization)
				}
				resp, err := http.DefaultClient.Do(req)
				is.NoErr(err)
				body, err := io.ReadAll(resp.Body)
				is.NoErr(err)
				is.NoErr(resp.Body.Close())
				is.Equal(resp.StatusCode, http.StatusUnauthorized)
				is.Equal(strings.TrimSpace(string(body)), `{"error":"unauthorized"}`)
			}
		})
	}
	is := is.New(t)
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/backup", info.Token, nil).StatusCode, http.StatusOK)
}
