package provider_test

import (
	"errors"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
)

// An envelope that reads two ways is refused: a duplicate member name
// (encoding/json v1 took the last), invalid UTF-8 (v1 replaced it), a
// member that matches only when case is ignored (v1 took it).
func TestAnEnvelopeThatReadsTwoWaysIsRefusedOrIgnored(t *testing.T) {
	type envelope struct {
		ID string `json:"id"`
	}
	for name, body := range map[string]string{
		"duplicate name": `{"id":"evt_1","id":"evt_2"}`,
		"invalid UTF-8":  "{\"id\":\"evt_\xff\"}",
		"not JSON":       `{"id":"evt_1"`,
		"trailing data":  `{"id":"evt_1"} {"id":"evt_2"}`,
	} {
		t.Run(name, func(t *testing.T) {
			var e envelope
			is.New(t).True(errors.Is(provider.DecodeEnvelope([]byte(body), &e), provider.ErrMalformedPayload))
		})
	}
	is := is.New(t)
	var e envelope
	is.NoErr(provider.DecodeEnvelope([]byte(`{"ID":"evt_2","id":"evt_1"}`), &e))
	is.Equal(e.ID, "evt_1") // only the exact name counts
}
