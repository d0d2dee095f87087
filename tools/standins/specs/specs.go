// Package specs holds the providers' OpenAPI documents, trimmed to the
// operations the stand-ins serve (ORIGIN.md says from where and how), and
// loads them the one way the stand-ins and trimspec both use.
package specs

import (
	"context"
	"embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// The trimmed documents, by file name.
const (
	PayPal     = "paypal_webhooks_events.json"
	Square     = "square_events.json"
	Stripe     = "stripe_events.json"
	Paddle     = "paddle_events.json"
	GoCardless = "gocardless_events.json"
)

//go:embed *.json
var files embed.FS

// Load reads and validates an embedded document.
func Load(name string) (*openapi3.T, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse loads a document and validates it. Square's places externalDocs
// inside info, which OpenAPI 3.0 does not define; it is documentation
// only, so it is allowed rather than edited out. Examples are not
// validated: the providers' own examples do not all match their schemas
// (Square's event example has a created_at without a zone).
func Parse(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background(),
		openapi3.AllowExtraSiblingFields("externalDocs"),
		openapi3.DisableExamplesValidation(),
	); err != nil {
		return nil, fmt.Errorf("invalid OpenAPI document: %w", err)
	}
	return doc, nil
}
