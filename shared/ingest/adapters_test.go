package ingest_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/store"
)

func apiGatewayEvent(req ingest.Request, base64Body bool) events.APIGatewayProxyRequest {
	event := events.APIGatewayProxyRequest{
		HTTPMethod:        req.Method,
		Resource:          "/webhook/{provider}",
		Path:              "/webhook/" + req.Provider,
		PathParameters:    map[string]string{"provider": req.Provider},
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
		Body:              string(req.Body),
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "apigw-req-1",
			Identity:  events.APIGatewayRequestIdentity{SourceIP: "198.51.100.4"},
		},
	}
	for name, values := range req.Header {
		// API Gateway passes header names as the client sent them.
		lower := strings.ToLower(name)
		event.Headers[lower] = values[len(values)-1]
		event.MultiValueHeaders[lower] = values
	}
	if base64Body {
		event.Body, event.IsBase64Encoded = base64.StdEncoding.EncodeToString(req.Body), true
	}
	return event
}

func TestAPIGatewayHandler(t *testing.T) {
	ctx := context.Background()
	for _, encoded := range []bool{false, true} {
		t.Run(map[bool]string{false: "text body", true: "base64 body"}[encoded], func(t *testing.T) {
			is := is.New(t)
			h := newHarness(t, nil)
			handler := ingest.APIGatewayHandler(h.receiver)
			for name := range bodies {
				req := h.signed(t, name, bodies[name], h.now)
				resp, err := handler(ctx, apiGatewayEvent(req, encoded))
				is.NoErr(err)
				is.Equal(resp.StatusCode, 200)
				body, contentType := acknowledged(name, "accepted", eventIDs[name])
				is.Equal(resp.Body, body)
				is.Equal(resp.Headers["Content-Type"], contentType)
				got, err := h.store.GetWebhook(ctx, name, eventIDs[name])
				is.NoErr(err)
				is.Equal(got.Body, storedBody(t, req)) // decoded back to the exact bytes signed
				is.Equal(got.SourceIP, "198.51.100.4")
				is.Equal(got.RequestID, "apigw-req-1")
			}
		})
	}
	t.Run("503 carries Retry-After", func(t *testing.T) {
		is := is.New(t)
		h := newHarness(t, nil)
		h.receiver.Store = failingStore{}
		resp, err := ingest.APIGatewayHandler(h.receiver)(ctx, apiGatewayEvent(h.signed(t, "stripe", bodies["stripe"], h.now), false))
		is.NoErr(err)
		is.Equal(resp.StatusCode, 503)
		is.Equal(resp.Headers["Retry-After"], "5")
	})
	t.Run("invalid base64 is malformed", func(t *testing.T) {
		is := is.New(t)
		h := newHarness(t, nil)
		event := apiGatewayEvent(h.signed(t, "stripe", bodies["stripe"], h.now), false)
		event.IsBase64Encoded = true
		resp, err := ingest.APIGatewayHandler(h.receiver)(ctx, event)
		is.NoErr(err)
		is.Equal(resp.StatusCode, 400)
		is.Equal(h.store.puts.Load(), int32(0))
	})
}

type failingStore struct{}

func (failingStore) PutWebhooks(context.Context, []store.Webhook) ([]bool, error) {
	return nil, store.ErrUnavailable
}

func (failingStore) PutWebhook(context.Context, store.Webhook) (bool, error) {
	return false, store.ErrUnavailable
}
func (failingStore) GetWebhook(context.Context, string, string) (store.Webhook, error) {
	return store.Webhook{}, store.ErrUnavailable
}
func (failingStore) BindTransmission(context.Context, store.Binding) (bool, error) {
	return false, store.ErrUnavailable
}

func TestHTTPHandler(t *testing.T) {
	h := newHarness(t, nil)
	server := httptest.NewServer(ingest.HTTPHandler(h.receiver))
	defer server.Close()
	type answer struct {
		StatusCode int
		Header     http.Header
	}
	post := func(path string, req ingest.Request) (answer, string) {
		httpReq, _ := http.NewRequest(req.Method, server.URL+path, strings.NewReader(string(req.Body)))
		for name, values := range req.Header {
			httpReq.Header[name] = values
		}
		resp, err := http.DefaultClient.Do(httpReq)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header}, string(body)
	}

	t.Run("every provider is accepted", func(t *testing.T) {
		is := is.New(t)
		for name := range bodies {
			resp, body := post("/webhook/"+name, h.signed(t, name, bodies[name], h.now))
			is.Equal(resp.StatusCode, 200)
			want, _ := acknowledged(name, "accepted", eventIDs[name])
			is.Equal(body, want)
		}
	})
	t.Run("oversized body is refused without reading it all", func(t *testing.T) {
		is := is.New(t)
		req := h.signed(t, "stripe", `{"pad":"`+strings.Repeat("x", 1<<20)+`"}`, h.now)
		resp, body := post("/webhook/stripe", req)
		is.Equal(resp.StatusCode, 413)
		is.Equal(body, `{"error":"payload_too_large"}`)
	})
	t.Run("GET is 405 with Allow", func(t *testing.T) {
		is := is.New(t)
		req := h.signed(t, "stripe", "", h.now)
		req.Method = http.MethodGet
		resp, _ := post("/webhook/stripe", req)
		is.Equal(resp.StatusCode, 405)
		is.Equal(resp.Header.Get("Allow"), "POST")
	})
	t.Run("other paths are 404", func(t *testing.T) {
		is := is.New(t)
		resp, body := post("/admin", h.signed(t, "stripe", bodies["stripe"], h.now))
		is.Equal(resp.StatusCode, 404)
		is.Equal(body, `{"error":"not_found"}`)
	})
}
