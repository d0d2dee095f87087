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

// Bodies over this size are gzipped at rest: most payloads are small JSON,
// and DynamoDB bills and limits by item size.
const (
	GzipThreshold = 4 << 10
	encodingGzip  = "gzip"
)

// WebhookItem encodes w as a table item.
func WebhookItem(w Webhook) (Item, error) {
	pk, sk := WebhookKey(w.Provider, w.EventID)
	item := Item{
		AttrPK:         events.NewStringAttribute(pk),
		AttrSK:         events.NewStringAttribute(sk),
		AttrProvider:   events.NewStringAttribute(w.Provider),
		AttrEventID:    events.NewStringAttribute(w.EventID),
		AttrEventType:  events.NewStringAttribute(w.EventType),
		AttrReceivedAt: events.NewStringAttribute(formatTime(w.ReceivedAt)),
		AttrStatus:     events.NewStringAttribute(string(w.Status)),
		AttrAttempts:   events.NewNumberAttribute(strconv.Itoa(w.Attempts)),
		AttrExpiresAt:  events.NewNumberAttribute(strconv.FormatInt(w.ExpiresAt.Unix(), 10)),
	}
	if !w.OccurredAt.IsZero() {
		item[AttrOccurredAt] = events.NewStringAttribute(formatTime(w.OccurredAt))
	}
	body, encoding, err := encodeBody(w.Body)
	if err != nil {
		return nil, err
	}
	item[AttrBody] = events.NewBinaryAttribute(body)
	if encoding != "" {
		item[AttrBodyEncoding] = events.NewStringAttribute(encoding)
	}
	if len(w.SignatureHeaders) > 0 {
		headers := make(map[string]events.DynamoDBAttributeValue, len(w.SignatureHeaders))
		for name, value := range w.SignatureHeaders {
			headers[name] = events.NewStringAttribute(value)
		}
		item[AttrSignatureHeaders] = events.NewMapAttribute(headers)
	}
	if !w.UpdatedAt.IsZero() {
		item[AttrUpdatedAt] = events.NewStringAttribute(formatTime(w.UpdatedAt))
	}
	for name, value := range map[string]string{AttrSourceIP: w.SourceIP, AttrRequestID: w.RequestID, AttrLastError: w.LastError, AttrPaymentKey: w.PaymentKey,
		AttrUpdatedBy: w.UpdatedBy, AttrOutcome: w.Outcome, AttrOutcomeReason: w.OutcomeReason, AttrSource: w.Source} {
		if value != "" {
			item[name] = events.NewStringAttribute(value)
		}
	}
	if w.Change != nil {
		item[AttrChange] = changeAttribute(*w.Change)
	}
	return item, nil
}

// DecodeWebhook reads a webhook item, from either adapter or a stream image.
func DecodeWebhook(item Item) (Webhook, error) {
	w := Webhook{
		Provider:   str(item, AttrProvider),
		EventID:    str(item, AttrEventID),
		EventType:  str(item, AttrEventType),
		SourceIP:   str(item, AttrSourceIP),
		RequestID:  str(item, AttrRequestID),
		Status:     Status(str(item, AttrStatus)),
		LastError:  str(item, AttrLastError),
		PaymentKey: str(item, AttrPaymentKey),
		UpdatedBy:  str(item, AttrUpdatedBy),
		Outcome:    str(item, AttrOutcome),
	}
	w.OutcomeReason = str(item, AttrOutcomeReason)
	if w.Source = str(item, AttrSource); w.Source == "" {
		w.Source = SourceWebhook
	}
	if w.Provider == "" || w.EventID == "" {
		return Webhook{}, errors.New("item is not a webhook")
	}
	var err error
	if w.ReceivedAt, err = parseTime(str(item, AttrReceivedAt)); err != nil {
		return Webhook{}, err
	}
	if w.OccurredAt, err = parseTime(str(item, AttrOccurredAt)); err != nil {
		return Webhook{}, err
	}
	if w.UpdatedAt, err = parseTime(str(item, AttrUpdatedAt)); err != nil {
		return Webhook{}, err
	}
	if w.Attempts, err = num(item, AttrAttempts); err != nil {
		return Webhook{}, err
	}
	expires, err := num(item, AttrExpiresAt)
	if err != nil {
		return Webhook{}, err
	}
	w.ExpiresAt = time.Unix(int64(expires), 0).UTC()
	if body, ok := item[AttrBody]; ok && body.DataType() == events.DataTypeBinary {
		if w.Body, err = decodeBody(body.Binary(), str(item, AttrBodyEncoding)); err != nil {
			return Webhook{}, err
		}
	}
	if w.Change, err = decodeChange(item); err != nil {
		return Webhook{}, err
	}
	if headers, ok := item[AttrSignatureHeaders]; ok && headers.DataType() == events.DataTypeMap {
		w.SignatureHeaders = make(map[string]string, len(headers.Map()))
		for name, value := range headers.Map() {
			w.SignatureHeaders[name] = value.String()
		}
	}
	return w, nil
}

// encodeBody is the body as stored: never nil, which DynamoDB refuses as
// an attribute with no value and stream images carry as null.
func encodeBody(body []byte) ([]byte, string, error) {
	if body == nil {
		return []byte{}, "", nil
	}
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
