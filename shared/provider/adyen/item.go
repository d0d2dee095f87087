package adyen

import (
	"errors"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
	body                                []byte
	pspReference, originalReference     string
	merchantAccount, merchantReference  string
	value, currency, eventCode, success string
	eventDate, signature                string
	// action is a CANCEL_OR_REFUND's additionalData["modification.action"].
	action string
	// minor is value read as a number, when there is one.
	minor int64
}

// readItems reads a delivery's items, at most maxItems, with JSON v2's
// defaults but one: around the items a name may repeat, the last one
// counting, as it always could, since nothing there is signed or stored.
// Each item is then read strictly on its own.
func readItems(body []byte) ([]item, error) {
	var delivery struct {
		Wrappers []struct {
			Item jsontext.Value `json:"NotificationRequestItem"`
		} `json:"notificationItems"`
	}
	if jsonv2.Unmarshal(body, &delivery, jsontext.AllowDuplicateNames(true)) != nil || len(delivery.Wrappers) == 0 || len(delivery.Wrappers) > maxItems {
		return nil, errNotAnItem
	}
	items := make([]item, len(delivery.Wrappers))
	for i, w := range delivery.Wrappers {
		it, err := readItem(w.Item)
		if err != nil {
			return nil, err
		}
		items[i] = it
	}
	return items, nil
}

// itemFields are the members of a NotificationRequestItem that payhook reads.
type itemFields struct {
	PSPReference      string `json:"pspReference"`
	OriginalReference string `json:"originalReference"`
	MerchantAccount   string `json:"merchantAccountCode"`
	MerchantReference string `json:"merchantReference"`
	EventCode         string `json:"eventCode"`
	Success           string `json:"success"`
	EventDate         string `json:"eventDate"`
	Amount            struct {
		Value    jsontext.Value `json:"value"`
		Currency string         `json:"currency"`
	} `json:"amount"`
	AdditionalData additionalData `json:"additionalData"`
}

// additionalData is the item's map of extras, none of them signed
// (hmacSignature is the signature itself). A key in it may repeat, the
// last one counting, as it always could: no signed field is in it to be
// shown with a value nobody signed.
type additionalData struct {
	Signature string `json:"hmacSignature"`
	Action    string `json:"modification.action"`
}

// UnmarshalJSONFrom lifts, for additionalData only, readItem's refusal of a
// repeated name.
func (a *additionalData) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	type plain additionalData
	return jsonv2.UnmarshalDecode(d, (*plain)(a), jsontext.AllowDuplicateNames(true))
}

// readItem reads one NotificationRequestItem with JSON v2's defaults. An
// absent or null field is empty, as Adyen's signing string has it; a field
// of another type than Adyen's is refused rather than guessed at. Names
// match exactly (encoding/json would also take "PSPREFERENCE"). Invalid
// UTF-8, raw or escaped, is refused: a decoder replacing it would sign
// another string than the one received. And an object in the item naming a
// member twice, compared unescaped, is refused, additionalData's excepted:
// a reader taking the first where payhook takes the last would see, in the
// stored item, a signed field's value nobody signed.
func readItem(raw []byte) (item, error) {
	var f itemFields
	// Only an object: null would read as an empty item.
	if jsontext.Value(raw).Kind() != '{' || jsonv2.Unmarshal(raw, &f) != nil {
		return item{}, errNotAnItem
	}
	it := item{
		body:              raw,
		pspReference:      f.PSPReference,
		originalReference: f.OriginalReference,
		merchantAccount:   f.MerchantAccount,
		merchantReference: f.MerchantReference,
		currency:          f.Amount.Currency,
		eventCode:         f.EventCode,
		success:           f.Success,
		eventDate:         f.EventDate,
		signature:         f.AdditionalData.Signature,
		action:            f.AdditionalData.Action,
	}
	if !amountValue(f.Amount.Value, &it.value, &it.minor) || !unambiguous(it) {
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

func isNull(raw []byte) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// amountValue reads amount.value, minor units: a JSON number as Adyen
// sends it, or a numeric string as the Java SDK's test has it. Either must
// be an integer written as Adyen's SDKs print one (no sign for positive, no
// leading zero, no exponent), kept as its digits: never through a float,
// which would print a large amount as 1e+06 and sign another string.
func amountValue(raw []byte, digits *string, minor *int64) bool {
	if isNull(raw) {
		return true
	}
	s := string(raw)
	if raw[0] == '"' && jsonv2.Unmarshal(raw, &s) != nil {
		return false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return false
	}
	*digits, *minor = s, n
	return true
}
