package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/matryer/is"
)

// A document with one operation to keep, one to drop, a chain of
// references, a schema nothing kept uses, and a security scheme.
const document = `{
  "openapi": "3.0.0",
  "info": {"title": "t", "version": "1"},
  "tags": [{"name": "kept"}, {"name": "dropped"}],
  "paths": {
    "/things": {
      "get": {
        "tags": ["kept"],
        "security": [{"oauth": []}],
        "parameters": [{"$ref": "#/components/parameters/id"}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/List"}}}}}
      },
      "post": {
        "tags": ["dropped"],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unused"}}}}}
      }
    },
    "/other": {
      "get": {"responses": {"200": {"description": "ok"}}}
    }
  },
  "components": {
    "parameters": {"id": {"name": "id", "in": "query", "schema": {"type": "string", "pattern": "^[a-z]+$"}}},
    "schemas": {
      "List": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
      "Item": {"type": "object", "properties": {"link": {"$ref": "#/components/schemas/Link"}}},
      "Link": {"type": "object", "properties": {"href": {"type": "string"}}},
      "Unused": {"type": "string"}
    },
    "securitySchemes": {
      "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}}},
      "other": {"type": "http", "scheme": "basic"}
    },
    "x-big": {"a": "b"}
  }
}`

func TestTrimKeepsTheOperationAndWhatItReaches(t *testing.T) {
	is := is.New(t)
	in := filepath.Join(t.TempDir(), "doc.json")
	is.NoErr(os.WriteFile(in, []byte(document), 0o600))
	var out bytes.Buffer
	is.NoErr(run(in, []string{"GET /things"}, []string{`/components/parameters/id/schema/pattern="^[a-z-]+$"`}, &out))

	var doc struct {
		Info       map[string]any            `json:"info"`
		Tags       []map[string]string       `json:"tags"`
		Paths      map[string]map[string]any `json:"paths"`
		Components map[string]map[string]any `json:"components"`
	}
	is.NoErr(json.Unmarshal(out.Bytes(), &doc))
	is.Equal(len(doc.Paths), 1)
	is.True(doc.Paths["/things"]["get"] != nil)
	is.True(doc.Paths["/things"]["post"] == nil)
	is.Equal(doc.Tags, []map[string]string{{"name": "kept"}})
	is.Equal(len(doc.Components["schemas"]), 3) // List, Item, Link: not Unused
	is.True(doc.Components["schemas"]["Link"] != nil)
	is.Equal(len(doc.Components["securitySchemes"]), 1)
	is.True(doc.Components["x-big"] == nil)
	pattern := doc.Components["parameters"]["id"].(map[string]any)["schema"].(map[string]any)["pattern"]
	is.Equal(pattern, "^[a-z-]+$")
	is.True(doc.Info["x-payhook-trimmed"] != nil) // the licence asks a changed file to say so

	// The same input gives the same bytes.
	var again bytes.Buffer
	is.NoErr(run(in, []string{"GET /things"}, []string{`/components/parameters/id/schema/pattern="^[a-z-]+$"`}, &again))
	is.Equal(out.String(), again.String())
}

func TestTrimRefusesWhatItCannotKeep(t *testing.T) {
	is := is.New(t)
	in := filepath.Join(t.TempDir(), "doc.json")
	is.NoErr(os.WriteFile(in, []byte(document), 0o600))
	var out bytes.Buffer
	is.True(run(in, []string{"GET /nowhere"}, nil, &out) != nil)
	is.True(run(in, []string{"DELETE /things"}, nil, &out) != nil)
	is.True(run(in, []string{"GET /things"}, []string{"/components/parameters/missing/x=1"}, &out) != nil)
}
