package local

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/smoke"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// smokeRemovePattern is where payhook smoke removes what it wrote from a
// running serve's store.
const smokeRemovePattern = "DELETE /admin/smoke/{provider}/{event_id}"

// smokeRemover deletes a smoke test's webhook, and nothing else: an event id
// without smoke's prefix is refused.
func smokeRemover(st *embedded.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		provider, eventID := r.PathValue("provider"), r.PathValue("event_id")
		if !strings.HasPrefix(eventID, smoke.EventIDPrefix) {
			http.Error(w, `{"error":"only a smoke test's webhooks can be removed"}`, http.StatusForbidden)
			return
		}
		if err := st.DeleteWebhook(r.Context(), provider, eventID); err != nil {
			ingest.WriteUnavailable(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}\n"))
	}
}

// SmokeTable is a running serve's store as payhook smoke uses it, through
// the admin API.
type SmokeTable struct{ Remote operate.Remote }

func (t SmokeTable) Status(ctx context.Context, provider, eventID string) (store.Status, error) {
	d, err := t.Remote.Event(ctx, provider, eventID)
	return d.Status, err // store.ErrNotFound when it is not there
}

func (t SmokeTable) Remove(ctx context.Context, provider, eventID string) error {
	return t.Remote.Call(ctx, http.MethodDelete, fmt.Sprintf("/admin/smoke/%s/%s", url.PathEscape(provider), url.PathEscape(eventID)), nil, &map[string]string{})
}
