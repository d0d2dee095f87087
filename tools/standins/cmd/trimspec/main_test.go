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

// Paddle publishes YAML: it trims as the same document in JSON does, its
// scalars kept as written, and OpenAPI 3.1's webhooks dropped with the
// paths not kept.
func TestTrimReadsYAMLAsWritten(t *testing.T) {
	is := is.New(t)
	const yamlDoc = `openapi: 3.1.0
info:
  title: t
  version: "1"
paths:
  /things:
    get:
      parameters:
        - $ref: "#/components/parameters/id"
      responses:
        "200":
          description: ok
          content:
            application/json:
              example:
                at: 2024-04-12T13:16:10.809640Z
                amount: 1.50
                count: 0x1F
webhooks:
  thing.created:
    post:
      responses:
        "200":
          description: ok
components:
  parameters:
    id:
      name: id
      in: query
      schema:
        type: string
`
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.yaml")
	is.NoErr(os.WriteFile(in, []byte(yamlDoc), 0o600))
	var out bytes.Buffer
	is.NoErr(run(in, []string{"GET /things"}, nil, &out))
	var doc map[string]any
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	is.NoErr(dec.Decode(&doc))
	is.True(doc["webhooks"] == nil)
	example := doc["paths"].(map[string]any)["/things"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["example"].(map[string]any)
	is.Equal(example["at"], "2024-04-12T13:16:10.809640Z") // a timestamp stays its text
	is.Equal(example["amount"], json.Number("1.50"))       // a number its digits
	is.Equal(example["count"], json.Number("31"))          // 0x1F is YAML's, not JSON's: its value
}

// A patch reaches into arrays by index: Stripe's parameters are a list.
func TestPatchIndexesArrays(t *testing.T) {
	is := is.New(t)
	in := filepath.Join(t.TempDir(), "doc.json")
	is.NoErr(os.WriteFile(in, []byte(document), 0o600))
	var out bytes.Buffer
	is.NoErr(run(in, []string{"GET /things"}, []string{`/paths/~1things/get/tags/0="renamed"`}, &out))
	is.True(bytes.Contains(out.Bytes(), []byte(`"renamed"`)))
	is.True(run(in, []string{"GET /things"}, []string{`/paths/~1things/get/tags/9="x"`}, &out) != nil)
}
