package testenv

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
)

// goaws v0.4.5, the newest the module proxy serves, speaks SQS's query
// protocol; aws-sdk-go-v2's SQS client speaks only the JSON protocol that
// replaced it in 2023. sqsBridge translates the operations payhook uses,
// request by request, and leaves every queue semantic to goaws.
func sqsBridge(goawsEndpoint string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		operation := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			jsonError(w, "InvalidRequest", err.Error())
			return
		}
		form := url.Values{"Action": {operation}}
		for name, value := range in {
			if name == "MessageAttributes" { // SendMessage's, named and typed
				addMessageAttributes(form, value)
				continue
			}
			switch v := value.(type) {
			case string:
				form.Set(name, v)
			case float64:
				form.Set(name, strconv.Itoa(int(v)))
			case []any: // AttributeNames
				for i, item := range v {
					form.Set(fmt.Sprintf("AttributeName.%d", i+1), fmt.Sprint(item))
				}
			case map[string]any: // Attributes
				i := 0
				for k, val := range v {
					i++
					form.Set(fmt.Sprintf("Attribute.%d.Name", i), k)
					form.Set(fmt.Sprintf("Attribute.%d.Value", i), fmt.Sprint(val))
				}
			}
		}
		resp, err := http.PostForm(goawsEndpoint+"/", form)
		if err != nil {
			jsonError(w, "ServiceUnavailable", err.Error())
			return
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // read
		if err != nil {
			jsonError(w, "ServiceUnavailable", err.Error())
			return
		}
		var parsed queryResponse
		if err := xml.Unmarshal(body, &parsed); err != nil {
			jsonError(w, "InternalFailure", "unreadable goaws answer: "+string(body))
			return
		}
		if parsed.Error.Code != "" || resp.StatusCode >= 300 {
			jsonError(w, parsed.Error.Code, parsed.Error.Message)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(parsed.toJSON(operation)) // the client's to read; nothing to do if it left
	}))
}

// queryResponse holds the result elements of the operations bridged.
type queryResponse struct {
	Error struct {
		Code    string
		Message string
	}
	QueueURL   string
	MessageID  string
	MD5OfBody  string
	Attributes []queryAttribute
	Messages   []queryMessage
}

type queryAttribute struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

type queryMessage struct {
	MessageID         string `xml:"MessageId"`
	ReceiptHandle     string `xml:"ReceiptHandle"`
	MD5OfBody         string `xml:"MD5OfBody"`
	Body              string `xml:"Body"`
	MessageAttributes []struct {
		Name  string `xml:"Name"`
		Value struct {
			DataType    string `xml:"DataType"`
			StringValue string `xml:"StringValue"`
		} `xml:"Value"`
	} `xml:"MessageAttribute"`
}

// addMessageAttributes puts SendMessage's JSON MessageAttributes in the
// query protocol's form: String and Number values, which goaws keeps.
func addMessageAttributes(form url.Values, value any) {
	attributes, _ := value.(map[string]any)
	i := 0
	for name, v := range attributes {
		attribute, _ := v.(map[string]any)
		i++
		form.Set(fmt.Sprintf("MessageAttribute.%d.Name", i), name)
		form.Set(fmt.Sprintf("MessageAttribute.%d.Value.DataType", i), fmt.Sprint(attribute["DataType"]))
		form.Set(fmt.Sprintf("MessageAttribute.%d.Value.StringValue", i), fmt.Sprint(attribute["StringValue"]))
	}
}

func (q *queryResponse) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	// Result elements sit one level down (<XResult>); walk the whole tree.
	for {
		token, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		el, ok := token.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "Code":
			err = d.DecodeElement(&q.Error.Code, &el)
		case "Message":
			if q.Error.Code != "" {
				err = d.DecodeElement(&q.Error.Message, &el)
				break
			}
			var m queryMessage
			err = d.DecodeElement(&m, &el)
			q.Messages = append(q.Messages, m)
		case "QueueUrl":
			err = d.DecodeElement(&q.QueueURL, &el)
		case "MessageId":
			err = d.DecodeElement(&q.MessageID, &el)
		case "MD5OfMessageBody":
			err = d.DecodeElement(&q.MD5OfBody, &el)
		case "Attribute":
			var a queryAttribute
			err = d.DecodeElement(&a, &el)
			q.Attributes = append(q.Attributes, a)
		}
		if err != nil {
			return err
		}
	}
}

func (q *queryResponse) toJSON(operation string) map[string]any {
	switch operation {
	case "CreateQueue", "GetQueueUrl":
		return map[string]any{"QueueUrl": q.QueueURL}
	case "SendMessage":
		return map[string]any{"MessageId": q.MessageID, "MD5OfMessageBody": q.MD5OfBody}
	case "GetQueueAttributes":
		attrs := map[string]string{}
		for _, a := range q.Attributes {
			attrs[a.Name] = a.Value
		}
		return map[string]any{"Attributes": attrs}
	case "ReceiveMessage":
		messages := []map[string]any{}
		for _, m := range q.Messages {
			message := map[string]any{"MessageId": m.MessageID, "ReceiptHandle": m.ReceiptHandle, "MD5OfBody": m.MD5OfBody, "Body": m.Body}
			if len(m.MessageAttributes) > 0 {
				attributes := map[string]any{}
				for _, a := range m.MessageAttributes {
					attributes[a.Name] = map[string]string{"DataType": a.Value.DataType, "StringValue": a.Value.StringValue}
				}
				message["MessageAttributes"] = attributes
			}
			messages = append(messages, message)
		}
		return map[string]any{"Messages": messages}
	}
	return map[string]any{}
}

func jsonError(w http.ResponseWriter, code, message string) {
	if code == "" {
		code = "InternalFailure"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": message}) // as above
}
