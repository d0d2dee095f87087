package adyen

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxItems bounds the NotificationRequestItems of one delivery, and so the
// HMACs computed for it. Adyen's JSON webhooks carry one item and its SOAP
// ones up to six; the headroom is for a batching Adyen may yet do.
const maxItems = 50

// The keys of Adyen's envelope.
const (
	itemsKey = "notificationItems"
	itemKey  = "NotificationRequestItem"
)

// errNotAnItem is a body that is not the shape of Adyen's notifications.
var errNotAnItem = errors.New("not an Adyen notification")

// item is one NotificationRequestItem: what its signature covers, what
// identifies it, and its own bytes as they came, which are stored.
type item struct {
	body                                json.RawMessage
	pspReference, originalReference     string
	merchantAccount, merchantReference  string
	value, currency, eventCode, success string
	eventDate, signature                string
	// action is a CANCEL_OR_REFUND's additionalData["modification.action"].
	action string
	// minor is value read as a number, when there is one.
	minor int64
}

// readItems reads a delivery's items, at most maxItems. A body that is not
// UTF-8 is refused: Go's decoder would replace its bytes, and sign another
// string than the one received.
func readItems(body []byte) ([]item, error) {
	if !utf8.Valid(body) {
		return nil, errNotAnItem
	}
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(body, &envelope); err != nil {
		return nil, errNotAnItem
	}
	var wrappers []map[string]json.RawMessage
	if err := json.Unmarshal(envelope[itemsKey], &wrappers); err != nil || len(wrappers) == 0 || len(wrappers) > maxItems {
		return nil, errNotAnItem
	}
	items := make([]item, len(wrappers))
	for i, w := range wrappers {
		it, err := readItem(w[itemKey])
		if err != nil {
			return nil, err
		}
		items[i] = it
	}
	return items, nil
}

// readItem reads one NotificationRequestItem. An absent or null field is
// empty, as Adyen's signing string has it; a field of another type than
// Adyen's is refused rather than guessed at. Keys are matched exactly (Go's
// struct decoding would also take "PSPREFERENCE"), and an item or amount
// naming a key twice is refused: a reader taking the first where Go takes
// the last would see, in the stored item, a signed field's value nobody
// signed. additionalData is not signed at all, so its keys are not
// compared, which keeps a body of many keys cheap.
func readItem(raw json.RawMessage) (item, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil || !distinctKeys(raw) {
		return item{}, errNotAnItem
	}
	var amount, additional map[string]json.RawMessage
	if !object(fields["amount"], &amount) || !distinctKeys(fields["amount"]) || !object(fields["additionalData"], &additional) {
		return item{}, errNotAnItem
	}
	it := item{body: raw}
	ok := text(fields, "pspReference", &it.pspReference) &&
		text(fields, "originalReference", &it.originalReference) &&
		text(fields, "merchantAccountCode", &it.merchantAccount) &&
		text(fields, "merchantReference", &it.merchantReference) &&
		text(amount, "currency", &it.currency) &&
		text(fields, "eventCode", &it.eventCode) &&
		text(fields, "success", &it.success) &&
		text(fields, "eventDate", &it.eventDate) &&
		text(additional, "hmacSignature", &it.signature) &&
		text(additional, "modification.action", &it.action) &&
		amountValue(amount["value"], &it.value, &it.minor)
	if !ok || !unambiguous(it) {
		return item{}, errNotAnItem
	}
	return it, nil
}

// unambiguous refuses a colon in any signed field but the merchant
// reference. Adyen joins the signed fields with colons and escapes none,
// so a colon elsewhere would let one signature cover other splits of the
// same string: another pspReference, originalReference or merchant
// account, and so another identity and payment. With the three fields
// before the reference and the four after it free of colons, the split is
// the only one. Adyen's references, merchant accounts, currencies and
// event codes never hold a colon.
func unambiguous(it item) bool {
	for _, field := range []string{it.pspReference, it.originalReference, it.merchantAccount, it.currency, it.eventCode, it.success} {
		if strings.Contains(field, ":") {
			return false
		}
	}
	return true
}

// signed is the string Adyen signs: eight fields joined by colons, an
// absent one empty, none escaped (a merchant reference may hold ':' or
// '\', and Adyen signs them as they are).
func (it item) signed() string {
	return strings.Join([]string{it.pspReference, it.originalReference, it.merchantAccount, it.merchantReference, it.value, it.currency, it.eventCode, it.success}, ":")
}

// eventID identifies an item, since Adyen gives events no id: a redelivery
// has the same one however its eventDate or additionalData differ, while
// AUTHORISATION success=false then true are two events. It is the identity
// Adyen's own Magento plugin deduplicates on, and starts with the
// pspReference.
func eventID(pspReference, eventCode, success, originalReference string) string {
	id := pspReference + ":" + eventCode + ":" + success
	if originalReference != "" {
		id += ":" + originalReference
	}
	return id
}

func (it item) eventID() string {
	return eventID(it.pspReference, it.eventCode, it.success, it.originalReference)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// object reads an optional object: absent or null leaves into nil.
func object(raw json.RawMessage, into *map[string]json.RawMessage) bool {
	return isNull(raw) || json.Unmarshal(raw, into) == nil
}

// text reads an optional string field: absent or null is empty.
func text(fields map[string]json.RawMessage, name string, into *string) bool {
	raw := fields[name]
	return isNull(raw) || json.Unmarshal(raw, into) == nil
}

// amountValue reads amount.value, minor units: a JSON number as Adyen
// sends it, or a numeric string as the Java SDK's test has it. Either must
// be an integer written as Adyen's SDKs print one (no sign for positive, no
// leading zero, no exponent), kept as its digits: never through a float,
// which would print a large amount as 1e+06 and sign another string.
func amountValue(raw json.RawMessage, digits *string, minor *int64) bool {
	if isNull(raw) {
		return true
	}
	s := string(raw)
	if raw[0] == '"' && json.Unmarshal(raw, &s) != nil {
		return false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return false
	}
	*digits, *minor = s, n
	return true
}

// distinctKeys reports whether the JSON object raw, when there is one,
// names no key twice, compared unescaped as a decoder sees them. Only its
// own keys are compared, its values skipped.
func distinctKeys(raw json.RawMessage) bool {
	if isNull(raw) {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey || seen[key] {
			return false
		}
		seen[key] = true
		var value json.RawMessage
		if dec.Decode(&value) != nil {
			return false
		}
	}
	return true
}
