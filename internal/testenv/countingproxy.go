package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// CountingProxy stands in front of DynamoDB Local and counts what its
// clients ask: requests by operation, and the capacity each consumes. The
// capacity is worked out from the items by DynamoDB's published rules
// (Capacity), and is also asked of DynamoDB Local (ReturnConsumedCapacity
// TOTAL, added to every request that takes it), whose figure is kept
// beside: the two agree but for transactions, where DynamoDB Local reports
// twice what the rules say.
type CountingProxy struct {
	URL string

	mu     sync.Mutex
	counts map[string]OperationCount
}

// OperationCount is what the proxy saw of one operation.
type OperationCount struct {
	Requests int
	// Failed were answered with an error, a failed condition included:
	// DynamoDB charges a failed conditional write all the same.
	Failed int
	// ReadUnits and WriteUnits are the request units the rules give
	// (on-demand: RRU and WRU).
	ReadUnits, WriteUnits float64
	// Reported is the capacity DynamoDB Local said it consumed.
	Reported float64
	// Items is the number of items written or read, ItemBytes their sizes
	// by the rules.
	Items, ItemBytes int
	// Elapsed is the time DynamoDB Local took to answer, all requests.
	Elapsed time.Duration
}

// NewCountingProxy proxies to target until the test ends.
func NewCountingProxy(t testing.TB, target string) *CountingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("counting proxy target: %v", err)
	}
	p := &CountingProxy{counts: map[string]OperationCount{}}
	forward := httputil.NewSingleHostReverseProxy(u)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, operation, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		var request map[string]any
		if json.Unmarshal(body, &request) == nil && takesConsumedCapacity[operation] {
			request["ReturnConsumedCapacity"] = "TOTAL"
			body, _ = json.Marshal(request)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Length")
		recorder := &capture{ResponseWriter: w}
		start := time.Now()
		forward.ServeHTTP(recorder, r)
		p.record(operation, request, recorder, time.Since(start))
	}))
	t.Cleanup(server.Close)
	p.URL = server.URL
	return p
}

// Counts returns what was counted, by operation.
func (p *CountingProxy) Counts() map[string]OperationCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

var takesConsumedCapacity = map[string]bool{
	"PutItem": true, "GetItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "BatchWriteItem": true, "TransactWriteItems": true, "TransactGetItems": true,
}

// capture keeps the status and body of the answer it passes on.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func (p *CountingProxy) record(operation string, request map[string]any, answer *capture, elapsed time.Duration) {
	var response map[string]any
	_ = json.Unmarshal(answer.body.Bytes(), &response) // an answer that is not JSON counts as a request alone
	failed := answer.status >= 300
	count := OperationCount{Requests: 1, Elapsed: elapsed}
	if failed {
		count.Failed = 1
	}
	switch operation {
	case "PutItem":
		// A put is charged by the larger of the item before and after;
		// payhook's puts only grow an item, so the new one is the larger.
		size := ItemSize(object(request["Item"]))
		count.Items, count.ItemBytes, count.WriteUnits = 1, size, WriteUnits(size)
	case "GetItem":
		size := 0
		if item := object(response["Item"]); item != nil {
			size, count.Items = ItemSize(item), 1
		}
		count.ItemBytes, count.ReadUnits = size, ReadUnits(size, request["ConsistentRead"] == true)
	case "Scan":
		// A scan is charged by the bytes it reads, in 4 KB steps.
		for _, item := range list(response["Items"]) {
			count.Items++
			count.ItemBytes += ItemSize(object(item))
		}
		count.ReadUnits = ReadUnits(count.ItemBytes, request["ConsistentRead"] == true)
	case "TransactWriteItems":
		for _, action := range list(request["TransactItems"]) {
			if put := object(object(action)["Put"]); put != nil {
				size := ItemSize(object(put["Item"]))
				count.Items++
				count.ItemBytes += size
				count.WriteUnits += 2 * WriteUnits(size) // transactional: twice
			}
		}
	}
	for _, c := range consumed(response["ConsumedCapacity"]) {
		if units, ok := object(c)["CapacityUnits"].(float64); ok {
			count.Reported += units
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	total := p.counts[operation]
	total.Requests += count.Requests
	total.Failed += count.Failed
	total.ReadUnits += count.ReadUnits
	total.WriteUnits += count.WriteUnits
	total.Reported += count.Reported
	total.Items += count.Items
	total.ItemBytes += count.ItemBytes
	total.Elapsed += count.Elapsed
	p.counts[operation] = total
}

// consumed is ConsumedCapacity as one object (most operations) or a list
// (transactions and batches).
func consumed(v any) []any {
	if o := object(v); o != nil {
		return []any{o}
	}
	return list(v)
}

func object(v any) map[string]any {
	o, _ := v.(map[string]any)
	return o
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// WriteUnits is what writing an item of size bytes costs, on demand: one
// write request unit per KB, rounded up.
func WriteUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

// ReadUnits is what reading an item of size bytes costs: one read request
// unit per 4 KB, rounded up, strongly consistent; half that eventually
// consistent. Reading nothing costs the minimum.
func ReadUnits(size int, consistent bool) float64 {
	units := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		units /= 2
	}
	return units
}

// ItemSize is an item's size as DynamoDB counts it: the lengths of its
// attribute names and values, an item in DynamoDB's JSON (the wire's
// {"S": ...} form).
func ItemSize(item map[string]any) int {
	size := 0
	for name, value := range item {
		size += len(name) + valueSize(object(value))
	}
	return size
}

// valueSize follows DynamoDB's item size rules: strings by their UTF-8
// bytes, numbers about half their digits plus one, binaries by their
// bytes, booleans and nulls one byte, and maps and lists three bytes plus
// one per element, beside the elements.
func valueSize(v map[string]any) int {
	for kind, raw := range v {
		switch kind {
		case "S":
			s, _ := raw.(string)
			return len(s)
		case "N":
			s, _ := raw.(string)
			return numberSize(s)
		case "B":
			s, _ := raw.(string)
			return base64.StdEncoding.DecodedLen(len(s)) - strings.Count(s, "=")
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			size := 0
			for _, e := range list(raw) {
				s, _ := e.(string)
				switch kind {
				case "SS":
					size += len(s)
				case "NS":
					size += numberSize(s)
				default:
					size += base64.StdEncoding.DecodedLen(len(s)) - strings.Count(s, "=")
				}
			}
			return size
		case "L":
			size := 3
			for _, e := range list(raw) {
				size += 1 + valueSize(object(e))
			}
			return size
		case "M":
			size := 3
			for name, e := range object(raw) {
				size += 1 + len(name) + valueSize(object(e))
			}
			return size
		}
	}
	return 0
}

// numberSize is about (significant digits)/2 + 1 bytes.
func numberSize(s string) int {
	digits := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s), "0")
	if strings.Contains(s, ".") {
		digits = strings.TrimRight(digits, "0")
	}
	return (utf8.RuneCountInString(digits)+1)/2 + 1
}
