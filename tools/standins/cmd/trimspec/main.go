// Command trimspec cuts a provider's OpenAPI 3 document down to the
// operations a stand-in serves: those paths and methods, every component
// they reference, transitively, and the security schemes they name. The
// providers' full documents are megabytes; the repository keeps no file
// over 1 MiB, and a stand-in needs only a few operations.
//
//	git -C MIRROR show COMMIT:api.json | go run ./cmd/trimspec -op 'POST /v2/events' > specs/square_events.json
//
// -patch POINTER=JSON replaces one value after trimming: an erratum where
// the published document contradicts the real API. Each one used is listed,
// with its reason, in specs/ORIGIN.md.
//
// The input may be JSON or YAML (Paddle publishes YAML); YAML scalars are
// kept as written (a number's digits, a date as its text). The output is
// indented JSON with sorted keys, so a regeneration from the same input is
// byte-identical. It is loaded as the stand-in loads it
// (specs.Parse) before it is written: a trimmed document that lost a
// reference fails here.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/payhook/payhook/tools/standins/specs"
)

// stringList collects a repeated flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var ops, patches stringList
	flag.Var(&ops, "op", "an operation to keep, as 'METHOD /path' exactly as the document spells the path (repeat)")
	flag.Var(&patches, "patch", "after trimming, set the value at a JSON pointer: '/components/x/y=JSON' (repeat)")
	in := flag.String("in", "-", "the full OpenAPI document; - for standard input")
	flag.Parse()
	if err := run(*in, ops, patches, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trimspec:", err)
		os.Exit(1)
	}
}

func run(in string, ops, patches []string, out io.Writer) error {
	if len(ops) == 0 {
		return errors.New("no -op given")
	}
	var data []byte
	var err error
	if in == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(in)
	}
	if err != nil {
		return err
	}
	trimmed, err := trim(data, ops)
	if err != nil {
		return err
	}
	for _, p := range patches {
		if err := patch(trimmed, p); err != nil {
			return err
		}
	}
	// The providers license their documents under Apache 2.0, which asks
	// that a changed file say so.
	if info, ok := trimmed["info"].(map[string]any); ok {
		note := "Trimmed by payhook's tools/standins/cmd/trimspec to " + strings.Join(ops, ", ") + " and what they reference"
		if len(patches) > 0 {
			note += "; changed: " + strings.Join(patches, ", ")
		}
		info["x-payhook-trimmed"] = note + ". See specs/ORIGIN.md in payhook."
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(trimmed); err != nil {
		return err
	}
	if err := check(buf.Bytes(), ops); err != nil {
		return fmt.Errorf("the trimmed document does not load: %w", err)
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// trim keeps the top level (less paths, webhooks, components and tags),
// the chosen operations, and what they reach.
func trim(data []byte, ops []string) (map[string]any, error) {
	doc, err := decode(data)
	if err != nil {
		return nil, err
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3 document (openapi: %q)", v)
	}
	paths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)

	// OpenAPI 3.1's webhooks are requests the provider sends, not
	// operations a stand-in serves: they go with the other paths.
	out := map[string]any{}
	for k, v := range doc {
		if k != "paths" && k != "components" && k != "tags" && k != "webhooks" {
			out[k] = v
		}
	}

	keptPaths := map[string]any{}
	usedTags := map[string]bool{}
	schemes := map[string]bool{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op, " ")
		if !ok {
			return nil, fmt.Errorf("-op %q: want 'METHOD /path'", op)
		}
		method = strings.ToLower(method)
		item, ok := paths[path].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("-op %q: no such path", op)
		}
		operation, ok := item[method].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("-op %q: the path has no %s", op, strings.ToUpper(method))
		}
		kept, _ := keptPaths[path].(map[string]any)
		if kept == nil {
			kept = map[string]any{}
			// Path-level fields (parameters, servers, summary) apply to
			// every operation under it.
			for k, v := range item {
				if !isMethod(k) {
					kept[k] = v
				}
			}
			keptPaths[path] = kept
		}
		kept[method] = operation
		for _, t := range asSlice(operation["tags"]) {
			if s, ok := t.(string); ok {
				usedTags[s] = true
			}
		}
		security := asSlice(operation["security"])
		if operation["security"] == nil {
			security = asSlice(doc["security"])
		}
		for _, requirement := range security {
			for name := range asMap(requirement) {
				schemes[name] = true
			}
		}
	}
	out["paths"] = keptPaths

	var tags []any
	for _, t := range asSlice(doc["tags"]) {
		if name, _ := asMap(t)["name"].(string); usedTags[name] {
			tags = append(tags, t)
		}
	}
	if tags != nil {
		out["tags"] = tags
	}

	keptComponents := map[string]any{}
	put := func(kind, name string, v any) {
		section, _ := keptComponents[kind].(map[string]any)
		if section == nil {
			section = map[string]any{}
			keptComponents[kind] = section
		}
		section[name] = v
	}
	for name := range schemes {
		v, ok := asMap(components["securitySchemes"])[name]
		if !ok {
			return nil, fmt.Errorf("security scheme %q is not in components", name)
		}
		put("securitySchemes", name, v)
	}
	// Follow $refs breadth first from the kept paths until nothing new.
	seen := map[string]bool{}
	queue := refs(keptPaths)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if !strings.HasPrefix(ref, "#/components/") || !ok || strings.Contains(name, "/") {
			return nil, fmt.Errorf("unsupported $ref %q (only #/components/KIND/NAME)", ref)
		}
		v, ok := asMap(components[kind])[name]
		if !ok {
			return nil, fmt.Errorf("$ref %q points at nothing", ref)
		}
		put(kind, name, v)
		queue = append(queue, refs(v)...)
	}
	if len(keptComponents) > 0 {
		out["components"] = keptComponents
	}
	return out, nil
}

// decode reads a JSON or a YAML document into maps, slices and scalars,
// numbers as json.Number so that they pass through exactly as written.
func decode(data []byte) (map[string]any, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc map[string]any
		return doc, dec.Decode(&doc)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, errors.New("not one YAML document")
	}
	v, err := fromYAML(root.Content[0])
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the YAML document is not a mapping")
	}
	return doc, nil
}

// fromYAML converts a YAML node by its resolved tag: a timestamp stays
// the text it was written as, and a number its digits.
func fromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return fromYAML(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key that is not a scalar", n.Content[i].Line)
			}
			v, err := fromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromYAML(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			return b, n.Decode(&b)
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value), nil
			}
			var f float64 // 0x1F, .inf and the like: JSON has no such forms
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: an unsupported YAML node", n.Line)
}

// refs lists every $ref under v, sorted so the walk is deterministic.
func refs(v any) []string {
	found := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if s, ok := child.(string); ok && k == "$ref" {
					found[s] = true
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(v)
	list := make([]string, 0, len(found))
	for r := range found {
		list = append(list, r)
	}
	sort.Strings(list)
	return list
}

// patch sets the value at a JSON pointer whose parent exists; a token
// under an array is an index.
func patch(doc map[string]any, spec string) error {
	pointer, value, ok := strings.Cut(spec, "=")
	if !ok || !strings.HasPrefix(pointer, "/") {
		return fmt.Errorf("-patch %q: want /json/pointer=JSON", spec)
	}
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		return fmt.Errorf("-patch %q: value: %w", spec, err)
	}
	tokens := strings.Split(pointer[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	parent := any(doc)
	for _, t := range tokens[:len(tokens)-1] {
		next, ok := child(parent, t)
		if !ok {
			return fmt.Errorf("-patch %q: %q not found", spec, t)
		}
		parent = next
	}
	last := tokens[len(tokens)-1]
	if _, ok := child(parent, last); !ok {
		return fmt.Errorf("-patch %q: nothing at the pointer to replace", spec)
	}
	if list, ok := parent.([]any); ok {
		i, _ := strconv.Atoi(last) // child checked it
		list[i] = v
		return nil
	}
	asMap(parent)[last] = v
	return nil
}

// child is the member of a map, or the element of an array, a pointer's
// token names.
func child(parent any, token string) (any, bool) {
	if list, ok := parent.([]any); ok {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i >= len(list) {
			return nil, false
		}
		return list[i], true
	}
	v, ok := asMap(parent)[token]
	return v, ok
}

// check loads the trimmed document as the stand-in will, and makes sure
// every kept operation is there.
func check(data []byte, ops []string) error {
	doc, err := specs.Parse(data)
	if err != nil {
		return err
	}
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		if doc.Paths.Find(path) == nil || doc.Paths.Find(path).GetOperation(strings.ToUpper(method)) == nil {
			return fmt.Errorf("%s lost", op)
		}
	}
	return nil
}

func isMethod(k string) bool {
	switch k {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
