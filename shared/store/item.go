package store

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Item is a stored item in the shape DynamoDB Streams delivers it to Lambda.
// Both adapters hold items in this shape, so the embedded change feed and the
// real stream hand the processor identical records.
type Item = map[string]events.DynamoDBAttributeValue

// Attribute names of the table (DESIGN.md, data model).
const (
	AttrPK               = "pk"
	AttrSK               = "sk"
	attrProvider         = "provider"
	attrEventID          = "event_id"
	attrEventType        = "event_type"
	attrReceivedAt       = "received_at"
	attrOccurredAt       = "occurred_at"
	attrBody             = "body"
	attrBodyEncoding     = "body_encoding"
	attrSignatureHeaders = "signature_headers"
	attrSourceIP         = "source_ip"
	attrRequestID        = "request_id"
	AttrStatus           = "status"
	attrAttempts         = "attempts"
	attrLastError        = "last_error"
	attrPaymentKey       = "payment_key"
	AttrExpiresAt        = "expires_at"
	attrUpdatedBy        = "updated_by"
	attrUpdatedAt        = "updated_at"

	webhookSK = "WEBHOOK"

	// Bodies over this size are gzipped at rest: most payloads are small JSON,
	// and DynamoDB bills and limits by item size.
	GzipThreshold = 4 << 10
	encodingGzip  = "gzip"
)

// WebhookKey returns the partition and sort key of a webhook item.
func WebhookKey(provider, eventID string) (pk, sk string) {
	return "WEBHOOK#" + provider + "#" + eventID, webhookSK
}

// WebhookItem encodes w as a table item.
func WebhookItem(w Webhook) (Item, error) {
	pk, sk := WebhookKey(w.Provider, w.EventID)
	item := Item{
		AttrPK:         events.NewStringAttribute(pk),
		AttrSK:         events.NewStringAttribute(sk),
		attrProvider:   events.NewStringAttribute(w.Provider),
		attrEventID:    events.NewStringAttribute(w.EventID),
		attrEventType:  events.NewStringAttribute(w.EventType),
		attrReceivedAt: events.NewStringAttribute(formatTime(w.ReceivedAt)),
		AttrStatus:     events.NewStringAttribute(string(w.Status)),
		attrAttempts:   events.NewNumberAttribute(strconv.Itoa(w.Attempts)),
		AttrExpiresAt:  events.NewNumberAttribute(strconv.FormatInt(w.ExpiresAt.Unix(), 10)),
	}
	if !w.OccurredAt.IsZero() {
		item[attrOccurredAt] = events.NewStringAttribute(formatTime(w.OccurredAt))
	}
	body, encoding, err := encodeBody(w.Body)
	if err != nil {
		return nil, err
	}
	item[attrBody] = events.NewBinaryAttribute(body)
	if encoding != "" {
		item[attrBodyEncoding] = events.NewStringAttribute(encoding)
	}
	if len(w.SignatureHeaders) > 0 {
		headers := make(map[string]events.DynamoDBAttributeValue, len(w.SignatureHeaders))
		for name, value := range w.SignatureHeaders {
			headers[name] = events.NewStringAttribute(value)
		}
		item[attrSignatureHeaders] = events.NewMapAttribute(headers)
	}
	if !w.UpdatedAt.IsZero() {
		item[attrUpdatedAt] = events.NewStringAttribute(formatTime(w.UpdatedAt))
	}
	for name, value := range map[string]string{attrSourceIP: w.SourceIP, attrRequestID: w.RequestID, attrLastError: w.LastError, attrPaymentKey: w.PaymentKey, attrUpdatedBy: w.UpdatedBy} {
		if value != "" {
			item[name] = events.NewStringAttribute(value)
		}
	}
	return item, nil
}

// DecodeWebhook reads a webhook item, from either adapter or a stream image.
func DecodeWebhook(item Item) (Webhook, error) {
	w := Webhook{
		Provider:   str(item, attrProvider),
		EventID:    str(item, attrEventID),
		EventType:  str(item, attrEventType),
		SourceIP:   str(item, attrSourceIP),
		RequestID:  str(item, attrRequestID),
		Status:     Status(str(item, AttrStatus)),
		LastError:  str(item, attrLastError),
		PaymentKey: str(item, attrPaymentKey),
		UpdatedBy:  str(item, attrUpdatedBy),
	}
	if w.Provider == "" || w.EventID == "" {
		return Webhook{}, errors.New("item is not a webhook")
	}
	var err error
	if w.ReceivedAt, err = parseTime(str(item, attrReceivedAt)); err != nil {
		return Webhook{}, err
	}
	if w.OccurredAt, err = parseTime(str(item, attrOccurredAt)); err != nil {
		return Webhook{}, err
	}
	if w.UpdatedAt, err = parseTime(str(item, attrUpdatedAt)); err != nil {
		return Webhook{}, err
	}
	if w.Attempts, err = num(item, attrAttempts); err != nil {
		return Webhook{}, err
	}
	expires, err := num(item, AttrExpiresAt)
	if err != nil {
		return Webhook{}, err
	}
	w.ExpiresAt = time.Unix(int64(expires), 0).UTC()
	if body, ok := item[attrBody]; ok && body.DataType() == events.DataTypeBinary {
		if w.Body, err = decodeBody(body.Binary(), str(item, attrBodyEncoding)); err != nil {
			return Webhook{}, err
		}
	}
	if headers, ok := item[attrSignatureHeaders]; ok && headers.DataType() == events.DataTypeMap {
		w.SignatureHeaders = make(map[string]string, len(headers.Map()))
		for name, value := range headers.Map() {
			w.SignatureHeaders[name] = value.String()
		}
	}
	return w, nil
}

func encodeBody(body []byte) ([]byte, string, error) {
	if len(body) <= GzipThreshold {
		return body, "", nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), encodingGzip, nil
}

func decodeBody(stored []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "":
		return stored, nil
	case encodingGzip:
		zr, err := gzip.NewReader(bytes.NewReader(stored))
		if err != nil {
			return nil, fmt.Errorf("stored body: %w", err)
		}
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("stored body: unknown encoding %q", encoding)
}

func str(item Item, name string) string {
	if v, ok := item[name]; ok && v.DataType() == events.DataTypeString {
		return v.String()
	}
	return ""
}

func num(item Item, name string) (int, error) {
	v, ok := item[name]
	if !ok || v.DataType() != events.DataTypeNumber {
		return 0, nil
	}
	n, err := strconv.ParseInt(v.Number(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return int(n), nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
