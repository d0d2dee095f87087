package capacity

import (
	"math"
	"slices"
)

// Model is the capacity model's inputs.
type Model struct {
	Measured Measured
	Settings Settings
	Prices   PriceList
}

// Per webhook, what each function costs on AWS.
type work struct {
	// receiverMs, processorMs, auditorMs are each function's duration
	// per webhook: its CPU time stretched by its share of a vCPU, and
	// DynamoDBRequestMs per request.
	receiverMs, processorMs, auditorMs float64
	// wru and rru are the table's request units per webhook.
	wru, rru float64
	// auditorRecords is the stream records the auditor gets per webhook.
	auditorRecords float64
	logBytes       float64
}

func (m Model) work() (work, error) {
	var w work
	duration := func(name string, memoryMB float64) (Function, float64, error) {
		f, err := m.Measured.Function(name)
		if err != nil {
			return f, 0, err
		}
		stretch := math.Max(1, LambdaMBPerVCPU/memoryMB)
		w.wru += f.WRU
		w.rru += f.RRU
		w.logBytes += f.LogBytes
		return f, f.CPUMs*stretch + DynamoDBRequestMs*f.TotalRequests(), nil
	}
	var err error
	if _, w.receiverMs, err = duration("receiver", m.Settings.Receiver.MemoryMB); err != nil {
		return w, err
	}
	if _, w.processorMs, err = duration("processor", m.Settings.Processor.MemoryMB); err != nil {
		return w, err
	}
	auditor, auditorMs, err := duration("auditor", m.Settings.Auditor.MemoryMB)
	if err != nil {
		return w, err
	}
	w.auditorMs, w.auditorRecords = auditorMs, auditor.StreamRecords
	return w, nil
}

// Limit is one limit at a rate: how many webhooks a second it lets
// through, with the module's defaults.
type Limit struct {
	Name string
	// Capacity is in webhooks a second; Scope, when set, says what it
	// counts apart (each sending address, each event destination): such a
	// limit binds only where it applies.
	Capacity float64
	Scope    string
	// Raise names what raises it.
	Raise string
}

// Setting is one setting to raise for a rate, from its default.
type Setting struct {
	Name, Default, Needed string
}

// Point is the model at one rate of webhooks a second.
type Point struct {
	Rate float64
	// Limits are every limit at the defaults, lowest capacity first.
	Limits []Limit
	// Raise are the settings to change to carry Rate with Headroom.
	Raise []Setting
	// Shards is the stream's shards once the table carries Rate.
	Shards float64
	// Concurrency is what each function runs at once, on average.
	ReceiverConcurrency, ProcessorConcurrency, AuditorConcurrency float64
	// LagTypical and LagWorst are seconds from a delivery to its webhook
	// PROCESSED, with the settings raised.
	LagTypical, LagWorst float64
	// Costs per hour, by item; the sum is CostPerHour.
	Costs       []Cost
	CostPerHour float64
}

// Cost is one item of the bill, per hour.
type Cost struct {
	Item, Quantity string
	USD            float64
}

// Binding are the limits below Rate (not counting per-address ones).
func (p Point) Binding() []Limit {
	var out []Limit
	for _, l := range p.Limits {
		if l.Scope == "" && l.Capacity < p.Rate*Headroom {
			out = append(out, l)
		}
	}
	return out
}

// shards is a stream's shards for a table serving wru and rru a second,
// prepared for warmWrite and warmRead: one per partition, each partition
// serving at most PartitionWriteUnits and PartitionReadUnits.
func shards(wru, rru, warmWrite, warmRead float64) float64 {
	return math.Max(math.Ceil(math.Max(warmWrite, wru)/PartitionWriteUnits), math.Ceil(math.Max(warmRead, rru)/PartitionReadUnits))
}

// At is the model at rate webhooks a second.
func (m Model) At(rate float64) (Point, error) {
	w, err := m.work()
	if err != nil {
		return Point{}, err
	}
	s := m.Settings
	p := Point{Rate: rate}
	wru, rru := rate*w.wru, rate*w.rru

	// At the defaults: a new table's warm throughput, its stream's shards.
	defaultShards := shards(wru, rru, NewTableWriteUnits, NewTableReadUnits)
	p.Limits = []Limit{
		{Name: "API Gateway, the stage's throttle", Capacity: s.APIThrottleRate, Raise: "`api_throttle_rate` (and `api_throttle_burst`)"},
		{Name: "API Gateway, the account's throttle in the Region", Capacity: APIGatewayAccountRate, Raise: "Service Quotas: API Gateway's throttle rate"},
		{Name: "the receiver's reserved concurrency", Capacity: s.Receiver.Reserved * 1000 / w.receiverMs, Raise: "`receiver.reserved_concurrency`"},
		{Name: "the table's warm throughput (a new table's)", Capacity: 1 / (w.wru/NewTableWriteUnits + w.rru/NewTableReadUnits), Raise: "`table_warm_throughput`"},
		{Name: "the table's request-unit quota", Capacity: TableQuotaUnits / math.Max(w.wru, w.rru), Raise: "Service Quotas: DynamoDB's table-level write throughput"},
		{Name: "the processor's batches: shards × parallelization", Capacity: defaultShards * s.ProcessorStream.Parallelization * 1000 / w.processorMs, Raise: "`processor_stream.parallelization_factor`"},
		{Name: "the processor's reserved concurrency", Capacity: s.Processor.Reserved * 1000 / w.processorMs, Raise: "`processor.reserved_concurrency`"},
		{Name: "the auditor's batches: shards × parallelization", Capacity: defaultShards * s.AuditorStream.Parallelization * 1000 / w.auditorMs, Raise: "`auditor_stream.parallelization_factor`"},
		{Name: "the auditor's reserved concurrency", Capacity: s.Auditor.Reserved * 1000 / w.auditorMs, Raise: "`auditor.reserved_concurrency`"},
		{Name: "the account's Lambda concurrency", Capacity: (LambdaAccountConcurrency - LambdaUnreserved - 1) * 1000 / (w.receiverMs + w.processorMs + w.auditorMs), Raise: "Service Quotas: Lambda's concurrent executions"},
		{Name: "WAF, an address not in `provider_source_cidrs`", Capacity: s.WAFRateLimit / s.WAFWindowSeconds, Scope: "per sending address", Raise: "`provider_source_cidrs` (or `waf_rate_limit`)"},
		{Name: "WAF, an address in `provider_source_cidrs`", Capacity: s.ProviderRateLimit / s.WAFWindowSeconds, Scope: "per sending address", Raise: "`provider_rate_limit`"},
		{Name: "the forwarder, to one event destination", Capacity: s.ForwarderConcurrency * ForwarderBatch / DestinationSeconds, Scope: "per event destination", Raise: "`forwarder.max_concurrency`"},
	}
	slices.SortStableFunc(p.Limits, func(a, b Limit) int { return cmpFloat(a.Capacity, b.Capacity) })

	// What carrying rate with headroom takes.
	need := func(name, current string, needed float64, format func(float64) string) {
		p.Raise = append(p.Raise, Setting{Name: name, Default: current, Needed: format(needed)})
	}
	whole := func(x float64) string { return formatNumber(math.Ceil(x)) }
	if rate*Headroom > s.APIThrottleRate {
		rateNeeded := roundUp(rate * Headroom)
		need("`api_throttle_rate`, `api_throttle_burst`", formatNumber(s.APIThrottleRate)+", "+formatNumber(s.APIThrottleBurst), rateNeeded,
			func(x float64) string { return formatNumber(x) + ", " + formatNumber(2*x) })
	}
	if rate*Headroom > APIGatewayAccountRate {
		need("Service Quotas: API Gateway's throttle rate (per account and Region)", formatNumber(APIGatewayAccountRate), roundUp(rate*Headroom), whole)
	}
	warmWrite, warmRead := NewTableWriteUnits, NewTableReadUnits
	if wru*Headroom > NewTableWriteUnits || rru*Headroom > NewTableReadUnits {
		warmWrite, warmRead = math.Max(NewTableWriteUnits, roundUp(wru*Headroom)), math.Max(NewTableReadUnits, roundUp(rru*Headroom))
	}
	// The lanes each consumer needs; past 10 per shard, more shards (more
	// partitions, from more warm throughput).
	lanes := func(ms, records float64) float64 { return rate * records * ms / 1000 * Headroom }
	processorLanes, auditorLanes := lanes(w.processorMs, 1), lanes(w.auditorMs/w.auditorRecords, w.auditorRecords)
	p.Shards = shards(wru, rru, warmWrite, warmRead)
	if most := math.Max(processorLanes, auditorLanes); most > p.Shards*LambdaMaxParallelization {
		p.Shards = math.Ceil(most / LambdaMaxParallelization)
		warmWrite = math.Max(warmWrite, p.Shards*PartitionWriteUnits)
	}
	if warmWrite > NewTableWriteUnits || warmRead > NewTableReadUnits {
		need("`table_warm_throughput` (read, write units per second)", "null (a new table's: 12,000, 4,000)", 0,
			func(float64) string { return formatNumber(warmRead) + ", " + formatNumber(warmWrite) })
	}
	if math.Max(wru, rru)*Headroom > TableQuotaUnits {
		need("Service Quotas: DynamoDB's table-level read and write throughput", formatNumber(TableQuotaUnits), roundUp(math.Max(wru, rru)*Headroom), whole)
	}
	processorPF := math.Max(s.ProcessorStream.Parallelization, math.Ceil(processorLanes/p.Shards))
	auditorPF := math.Max(s.AuditorStream.Parallelization, math.Ceil(auditorLanes/p.Shards))
	if processorPF > s.ProcessorStream.Parallelization {
		need("`processor_stream.parallelization_factor`", formatNumber(s.ProcessorStream.Parallelization), processorPF, whole)
	}
	if auditorPF > s.AuditorStream.Parallelization {
		need("`auditor_stream.parallelization_factor`", formatNumber(s.AuditorStream.Parallelization), auditorPF, whole)
	}
	p.ReceiverConcurrency = rate * w.receiverMs / 1000
	p.ProcessorConcurrency = rate * w.processorMs / 1000
	p.AuditorConcurrency = rate * w.auditorMs / 1000
	// Reservations cover the load with headroom, and every lane.
	receiverReserved := math.Max(s.Receiver.Reserved, math.Ceil(p.ReceiverConcurrency*Headroom))
	processorReserved := math.Max(s.Processor.Reserved, math.Max(math.Ceil(p.ProcessorConcurrency*Headroom), p.Shards*processorPF))
	auditorReserved := math.Max(s.Auditor.Reserved, math.Max(math.Ceil(p.AuditorConcurrency*Headroom), p.Shards*auditorPF))
	for _, r := range []struct {
		name          string
		current, have float64
	}{{"`receiver.reserved_concurrency`", s.Receiver.Reserved, receiverReserved}, {"`processor.reserved_concurrency`", s.Processor.Reserved, processorReserved}, {"`auditor.reserved_concurrency`", s.Auditor.Reserved, auditorReserved}} {
		if r.have > r.current {
			need(r.name, formatNumber(r.current), r.have, whole)
		}
	}
	if forwarders := math.Ceil(rate * Headroom * DestinationSeconds / ForwarderBatch); forwarders > s.ForwarderConcurrency {
		need("`forwarder.max_concurrency`, with `event_destinations`", formatNumber(s.ForwarderConcurrency), forwarders, whole)
	}
	if reserved := receiverReserved + processorReserved + auditorReserved + 1 + LambdaUnreserved; reserved > LambdaAccountConcurrency {
		need("Service Quotas: Lambda's concurrent executions (L-B99A9384)", formatNumber(LambdaAccountConcurrency), roundUp(reserved), whole)
	}

	// Lag, with those settings: the receiver, a poll of the shard, the
	// batch filling (or its window), then the batch processed in order.
	processorBatch, processorFill := batching(rate/(p.Shards*processorPF), s.ProcessorStream)
	p.LagTypical = (w.receiverMs+(processorBatch+1)/2*w.processorMs)/1000 + 0.5/LambdaShardPollsPerSecond + processorFill/2
	p.LagWorst = (w.receiverMs+processorBatch*w.processorMs)/1000 + 1/LambdaShardPollsPerSecond + processorFill
	auditorBatch, _ := batching(rate*w.auditorRecords/(p.Shards*auditorPF), s.AuditorStream)

	p.Costs = m.costs(rate, w, processorBatch, auditorBatch)
	for _, c := range p.Costs {
		p.CostPerHour += c.USD
	}
	return p, nil
}

// batching is a lane's batch (records) and how long one takes to fill
// (seconds), for records arriving at perSecond: up to the batch size,
// within the batching window (a poll when there is none).
func batching(perSecond float64, r StreamReading) (records, fill float64) {
	window := math.Max(r.WindowSeconds, 1/LambdaShardPollsPerSecond)
	fill = math.Min(window, r.BatchSize/perSecond)
	return math.Max(1, math.Min(r.BatchSize, perSecond*fill)), fill
}

func (m Model) costs(rate float64, w work, processorBatch, auditorBatch float64) []Cost {
	s, pr := m.Settings, m.Prices
	perHour := rate * 3600
	invocations := []struct {
		name            string
		perSecond, mb   float64
		billedMs        float64 // per invocation, rounded up to the millisecond
		recordsPerBatch float64
	}{
		{"receiver", rate, s.Receiver.MemoryMB, math.Ceil(w.receiverMs), 1},
		{"processor", rate / processorBatch, s.Processor.MemoryMB, math.Ceil(processorBatch * w.processorMs), processorBatch},
		{"auditor", rate * w.auditorRecords / auditorBatch, s.Auditor.MemoryMB, math.Ceil(auditorBatch * w.auditorMs / w.auditorRecords), auditorBatch},
	}
	var requests, gbSeconds, traces, logBytes float64
	for _, f := range invocations {
		requests += f.perSecond
		gbSeconds += f.perSecond * f.mb / 1024 * f.billedMs / 1000
		traces += f.perSecond * XRaySampled(f.perSecond)
		logBytes += f.perSecond * float64(LambdaPlatformLogBytes)
	}
	logBytes += rate * (w.logBytes + float64(APIAccessLogBytes))
	storedGB := rate * RetentionDays * 86400 * m.Measured.StoredBytes / (1 << 30)
	return []Cost{
		{"API Gateway REST requests", formatNumber(perHour), perHour * pr.APIGatewayREST},
		{"WAF requests", formatNumber(perHour), perHour * pr.WAFRequest},
		{"Lambda requests", formatNumber(requests * 3600), requests * 3600 * pr.LambdaRequest},
		{"Lambda duration, arm64", formatNumber(gbSeconds*3600) + " GB-s", gbSeconds * 3600 * pr.LambdaGBSecondArm},
		{"DynamoDB write request units", formatNumber(perHour * w.wru), perHour * w.wru * pr.DynamoDBWRU},
		{"DynamoDB read request units", formatNumber(perHour * w.rru), perHour * w.rru * pr.DynamoDBRRU},
		{"DynamoDB storage and PITR, 35 days of webhooks kept", formatNumber(storedGB) + " GB", storedGB * (pr.DynamoDBStorageGBMonth + pr.DynamoDBPITRGBMonth) / HoursPerMonth},
		{"X-Ray traces (default sampling)", formatNumber(traces * 3600), traces * 3600 * pr.XRayTrace},
		{"CloudWatch Logs ingestion", formatNumber(logBytes*3600/(1<<30)) + " GB", logBytes * 3600 / (1 << 30) * pr.LogsIngestGB},
		{"WAF web ACL and rules, KMS key", "fixed", pr.FixedPerMonth / HoursPerMonth},
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// roundUp rounds x up to two significant digits: a setting people read.
func roundUp(x float64) float64 {
	if x <= 0 {
		return 0
	}
	scale := math.Pow(10, math.Floor(math.Log10(x))-1)
	return math.Ceil(x/scale) * scale
}
