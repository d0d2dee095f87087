package capacity

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Measured is what the model takes from measurement: each function's
// work per webhook, measured under AWS's Lambda Runtime Interface
// Emulator against DynamoDB Local by functions' TestCapacityInputs, which
// holds the deterministic figures (requests, capacity, stream records) to
// this file and rewrites it with PAYHOOK_CAPACITY_WRITE=1.
type Measured struct {
	// Date, Machine and Command say where the figures come from.
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Command string `json:"command"`
	// Webhooks is how many were measured: Stripe payment_intent.created
	// then .succeeded for each of Webhooks/2 payments.
	Webhooks int `json:"webhooks"`
	// StoredBytes is what the table keeps per webhook, its share of its
	// payment included, with DynamoDB's 100 bytes per item.
	StoredBytes float64    `json:"stored_bytes_per_webhook"`
	Functions   []Function `json:"functions"`
}

// Function is one function's work, per webhook.
type Function struct {
	Name string `json:"name"`
	// CPUMs is the function's own CPU time per webhook, warm, every
	// thread (the runtime client's polling and the SDK's work included),
	// on Machine: not the emulator's, and not DynamoDB Local's.
	CPUMs float64 `json:"cpu_ms_per_webhook"`
	// StreamRecords is how many stream records per webhook the function
	// is handed (0 for the receiver, which API Gateway invokes once per
	// delivery).
	StreamRecords float64 `json:"stream_records_per_webhook"`
	// Requests are its DynamoDB requests per webhook, by operation.
	Requests map[string]float64 `json:"dynamodb_requests_per_webhook"`
	// WRU and RRU are the request units those consume, by DynamoDB's rules.
	WRU float64 `json:"wru_per_webhook"`
	RRU float64 `json:"rru_per_webhook"`
	// LogBytes is what it logs per webhook (CloudWatch Logs ingestion).
	LogBytes float64 `json:"log_bytes_per_webhook"`
}

//go:embed measured.json
var measuredJSON []byte

// LoadMeasured reads the figures this package was built with.
func LoadMeasured() (Measured, error) {
	var m Measured
	if err := json.Unmarshal(measuredJSON, &m); err != nil {
		return m, fmt.Errorf("capacity: measured.json: %w", err)
	}
	return m, nil
}

// Function is the named function's figures.
func (m Measured) Function(name string) (Function, error) {
	for _, f := range m.Functions {
		if f.Name == name {
			return f, nil
		}
	}
	return Function{}, fmt.Errorf("capacity: nothing measured of the %s", name)
}

// TotalRequests is the function's DynamoDB requests per webhook, all operations.
func (f Function) TotalRequests() float64 {
	total := 0.0
	for _, n := range f.Requests {
		total += n
	}
	return total
}
