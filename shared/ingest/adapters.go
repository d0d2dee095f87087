package ingest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// APIGatewayHandler adapts Handle to API Gateway's REST proxy integration.
func APIGatewayHandler(r *Receiver) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		body := []byte(event.Body)
		if event.IsBase64Encoded {
			// Lambda's 6 MB payload limit bounds what this can allocate.
			decoded, err := base64.StdEncoding.DecodeString(event.Body)
			if err != nil {
				r.Log.Warn().Str("request_id", event.RequestContext.RequestID).Str("outcome", OutcomeMalformedPayload).Msg("webhook body is not valid base64")
				return toAPIGateway(errorResponse(http.StatusBadRequest, OutcomeMalformedPayload)), nil
			}
			body = decoded
		}
		header := http.Header{}
		for name, values := range event.MultiValueHeaders {
			for _, value := range values {
				header.Add(name, value)
			}
		}
		for name, value := range event.Headers {
			if header.Get(name) == "" {
				header.Set(name, value)
			}
		}
		return toAPIGateway(r.Handle(ctx, Request{
			Method:    event.HTTPMethod,
			Provider:  event.PathParameters["provider"],
			Header:    header,
			Body:      body,
			SourceIP:  event.RequestContext.Identity.SourceIP,
			RequestID: event.RequestContext.RequestID,
		})), nil
	}
}

func toAPIGateway(resp Response) events.APIGatewayProxyResponse {
	headers := make(map[string]string, len(resp.Header))
	for name := range resp.Header {
		headers[name] = resp.Header.Get(name)
	}
	return events.APIGatewayProxyResponse{StatusCode: resp.Status, Headers: headers, Body: string(resp.Body)}
}

// HTTPHandler serves POST /webhook/{provider} with net/http, for local runs.
func HTTPHandler(r *Receiver) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/webhook/{provider}", func(w http.ResponseWriter, req *http.Request) {
		// Read one byte past the limit: enough to know the body is too large
		// without holding more of it.
		body, err := io.ReadAll(io.LimitReader(req.Body, int64(r.MaxBodyBytes)+1))
		if err != nil {
			writeHTTP(w, errorResponse(http.StatusBadRequest, OutcomeMalformedPayload))
			return
		}
		sourceIP, _, _ := net.SplitHostPort(req.RemoteAddr)
		writeHTTP(w, r.Handle(req.Context(), Request{
			Method:    req.Method,
			Provider:  req.PathValue("provider"),
			Header:    req.Header,
			Body:      body,
			SourceIP:  sourceIP,
			RequestID: newRequestID(),
		}))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeHTTP(w, errorResponse(http.StatusNotFound, "not_found"))
	})
	return mux
}

func writeHTTP(w http.ResponseWriter, resp Response) {
	for name, values := range resp.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
