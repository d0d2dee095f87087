//go:build !sandbox

package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/capacity"
	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
	"github.com/payhook/payhook/shared/stream"
)

// TestCostPerWebhook measures what one webhook costs end to end on AWS's
// meters: Stripe webhooks (payment_intent.created, then .succeeded, for
// each of PAYHOOK_COST_PAYMENTS payments, 100 by default) through the
// Lambda handlers as deployed (the receiver's API Gateway adapter, the
// processor and auditor on DynamoDB Local's stream), each handler's
// DynamoDB client behind its own counting proxy. It prints the DynamoDB
// requests and capacity per webhook, the handlers' milliseconds and log
// bytes, and what they come to per million webhooks at capacity.Prices;
// docs/benchmarks.md explains the formula. It asserts the pipeline's
// outcome, never a figure:
//
//	go test -count=1 -v -run TestCostPerWebhook ./internal/e2e/
func TestCostPerWebhook(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	payments := 100
	if s := os.Getenv("PAYHOOK_COST_PAYMENTS"); s != "" {
		n, err := strconv.Atoi(s)
		is.NoErr(err)
		payments = n
	}
	webhooks := 2 * payments

	direct := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, direct, table))
	endpoint := testenv.DynamoDBEndpoint(t)
	through := func(proxy *testenv.CountingProxy) *dynamodb.Client {
		return dynamodb.NewFromConfig(testenv.AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	}
	ingestProxy, processProxy := testenv.NewCountingProxy(t, endpoint), testenv.NewCountingProxy(t, endpoint)

	logs := map[string]*countingWriter{"receiver": {}, "processor": {}, "auditor": {}}
	var cfg config.Receiver
	is.NoErr(config.Load(func(string) (string, bool) { return "", false }, &cfg))
	cfg.StoreTimeout = testenv.StoreTimeout
	secret := "whsec_cost"
	keys := provider.Keys{stripe.SigningSecrets: {secret}}
	certs := paypal.NewCerts(nil, false) // never asked: Stripe only
	receive := ingest.APIGatewayHandler(ingest.New(cfg, secrets.Static(keys), dynamo.New(through(ingestProxy), table), certs,
		observe.NewLogger(logs["receiver"], "info", "receiver")))

	// The processor as the module wires it: confirming PayPal deliveries
	// (paypal_confirm is on by default), publishing nowhere (no event bus
	// by default); what would be published is counted.
	published := &countingPublisher{}
	processor := &process.Processor{
		Store: dynamo.New(through(processProxy), table), DLQ: failingDLQ{t: t}, Alerter: &recordingAlerter{},
		Critical: process.DefaultCritical, Normalize: countPublished(published), Log: observe.NewLogger(logs["processor"], "info", "processor"),
		Confirm: (&reconcile.Confirmation{Keys: secrets.Static(keys).Keys, API: provider.APIConfig{HTTP: http.DefaultClient}}).Confirm,
	}
	auditor := &audit.Auditor{
		Sink:    audit.LogSink{Log: observe.NewLogger(logs["auditor"], "info", "audit")},
		Alerter: &recordingAlerter{}, Log: observe.NewLogger(logs["auditor"], "info", "auditor"),
	}
	timings := map[string]*invocations{"receiver": {}, "processor": {}, "auditor": {}}
	streams := dynamodbstreams.NewFromConfig(testenv.AWSConfig(), func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for _, poller := range []*testenv.StreamPoller{
		{DynamoDB: direct, Streams: streams, Table: table, Handler: timings["processor"].timed(processor.Handle), Filter: process.Wants, PollInterval: 20 * time.Millisecond},
		{DynamoDB: direct, Streams: streams, Table: table, Handler: timings["auditor"].timed(auditor.Handle), PollInterval: 20 * time.Millisecond},
	} {
		run(t, poller.Run)
	}

	var ids []string
	for i := range payments {
		paymentID := fmt.Sprintf("pi_cost_%04d", i)
		for _, eventType := range []string{"payment_intent.created", "payment_intent.succeeded"} {
			body, id, err := samples.Build("stripe", eventType, provider.SampleOptions{PaymentID: paymentID, Amount: 4999})
			is.NoErr(err)
			signed, err := samples.Sign("stripe", body, keys, id, time.Now())
			is.NoErr(err)
			start := time.Now()
			resp, err := receive(ctx, events.APIGatewayProxyRequest{
				HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
				Headers: map[string]string{"Stripe-Signature": signed.Header.Get("Stripe-Signature"), "Content-Type": "application/json"},
				Body:    string(body), RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-" + id, Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.5"}},
			})
			timings["receiver"].add(1, time.Since(start))
			is.NoErr(err)
			is.Equal(resp.StatusCode, 200)
			ids = append(ids, id)
		}
	}
	wait.Until(t, 2*time.Minute, "every webhook processed", func() bool {
		for len(ids) > 0 {
			w, err := dynamo.New(direct, table).GetWebhook(ctx, "stripe", ids[0])
			if err != nil || w.Status != store.StatusProcessed {
				return false
			}
			ids = ids[1:]
		}
		return true
	})
	// Each webhook changes three items' worth: its INSERT, its MODIFY to
	// PROCESSED, and its payment's INSERT or MODIFY.
	wait.Until(t, time.Minute, "every change audited", func() bool { return timings["auditor"].records() >= 3*webhooks })
	time.Sleep(time.Second) // nothing more comes
	for _, p := range []string{"pi_cost_0000", fmt.Sprintf("pi_cost_%04d", payments-1)} {
		state, err := dynamo.New(direct, table).GetPayment(ctx, "stripe", p)
		is.NoErr(err)
		is.Equal(state.Status, payment.StatusSucceeded)
		is.Equal(state.Version, int64(2))
	}

	// What the table keeps per webhook: every item, read once.
	storage := testenv.NewCountingProxy(t, endpoint)
	pages := dynamodb.NewScanPaginator(through(storage), &dynamodb.ScanInput{TableName: aws.String(table)})
	for pages.HasMorePages() {
		_, err := pages.NextPage(ctx)
		is.NoErr(err)
	}
	scanned := storage.Counts()["Scan"]
	is.Equal(scanned.Items, webhooks+payments)

	// DynamoDB bills 100 bytes more per item stored.
	m := measured{webhooks: webhooks, published: published.count(), storedBytes: scanned.ItemBytes + 100*scanned.Items}
	for _, c := range []struct {
		name  string
		proxy *testenv.CountingProxy
	}{{"receiver", ingestProxy}, {"processor", processProxy}} {
		counts := c.proxy.Counts()
		for _, op := range slices.Sorted(maps.Keys(counts)) {
			count := counts[op]
			is.True(count.Reported > 0) // DynamoDB Local answered with its figure: the proxy read the answers
			m.dynamo = append(m.dynamo, dynamoLine{component: c.name, operation: op, OperationCount: count})
		}
	}
	proxies := map[string]*testenv.CountingProxy{"receiver": ingestProxy, "processor": processProxy}
	for _, name := range []string{"receiver", "processor", "auditor"} {
		l := lambdaLine{name: name, memoryMB: memorySize(t, name), invocations: timings[name].count(),
			records: timings[name].records(), elapsed: timings[name].total(), logBytes: logs[name].bytes()}
		if proxy := proxies[name]; proxy != nil {
			for _, c := range proxy.Counts() {
				l.dynamoRequests += c.Requests
				l.dynamoElapsed += c.Elapsed
			}
		}
		m.lambda = append(m.lambda, l)
	}
	t.Log("\n" + m.report())
}

// measured is what one run measured.
type measured struct {
	webhooks  int
	published int
	// storedBytes is the size of every item the run left in the table.
	storedBytes int
	dynamo      []dynamoLine
	lambda      []lambdaLine
}

type dynamoLine struct {
	component, operation string
	testenv.OperationCount
}

type lambdaLine struct {
	name                 string
	memoryMB             int
	invocations, records int
	elapsed              time.Duration
	// dynamoRequests took dynamoElapsed of elapsed.
	dynamoRequests int
	dynamoElapsed  time.Duration
	logBytes       int
}

// dynamoMs is what a DynamoDB request is taken to cost a function on AWS,
// in place of DynamoDB Local's time: a conservative in-region figure.
const dynamoMs = 8.0

// shape is a traffic shape: how many stream records Lambda hands each
// processor and auditor invocation, and how many requests a second each
// function sees (X-Ray's default rule samples the first each second and 5%
// of the rest).
type shape struct {
	name      string
	batch     float64
	perSecond float64
}

var shapes = []shape{
	{"trickle (1 record per stream invocation, under 1 webhook/s)", 1, 0.5},
	{"busy (stream batches of 100, 100 webhooks/s)", 100, 100},
}

// retainedMonths is how long the table keeps a webhook
// (PAYHOOK_RETENTION's default, 35 days); its payment is kept for good,
// but only once for all of that payment's webhooks, so it is counted with
// them.
const retainedMonths = 35.0 / (365.0 / 12)

func (m measured) report() string {
	var b strings.Builder
	n := float64(m.webhooks)
	fmt.Fprintf(&b, "%d Stripe webhooks (%d payments, created then succeeded)\n\n", m.webhooks, m.webhooks/2)
	fmt.Fprintf(&b, "DynamoDB, per webhook\n| function | operation | requests | failed | item bytes | WRU | RRU | DynamoDB Local's figure | ms per request |\n|---|---|---|---|---|---|---|---|---|\n")
	var wru, rru float64
	storedBytes := float64(m.storedBytes) / n
	for _, l := range m.dynamo {
		itemBytes := 0
		if l.Items > 0 {
			itemBytes = l.ItemBytes / l.Items
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.1f |\n", l.component, l.operation, float64(l.Requests)/n, float64(l.Failed)/n,
			itemBytes, l.WriteUnits/n, l.ReadUnits/n, l.Reported/n, float64(l.Elapsed.Microseconds())/1000/float64(l.Requests))
		wru += l.WriteUnits / n
		rru += l.ReadUnits / n
	}
	fmt.Fprintf(&b, "| all | | | | | %.2f | %.2f | | |\n\n", wru, rru)

	fmt.Fprintf(&b, "Lambda, per webhook: the handlers in process, timed; DynamoDB Local's own time taken out, and %.0f ms per DynamoDB request put in for AWS\n", dynamoMs)
	fmt.Fprintf(&b, "| function | memory | invocations | stream records | ms measured | of which DynamoDB Local | own ms | DynamoDB requests | ms on AWS | log bytes |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range m.lambda {
		fmt.Fprintf(&b, "| %s | %d MB | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n", l.name, l.memoryMB, l.invocations, l.records,
			ms(l.elapsed)/n, ms(l.dynamoElapsed)/n, l.ownMs(n), float64(l.dynamoRequests)/n, l.awsMs(n), float64(l.logBytes)/n)
	}
	fmt.Fprintf(&b, "\nplus per invocation %d bytes of Lambda's own log lines, and per request %d bytes of API Gateway access log\n", capacity.LambdaPlatformLogBytes, capacity.APIAccessLogBytes)
	fmt.Fprintf(&b, "canonical events an event bus would get: %.2f per webhook (PutEvents, when event_bus_enabled; then the processor also reads the webhook before publishing)\n", float64(m.published)/n)

	for _, s := range shapes {
		fmt.Fprintf(&b, "\nper million webhooks, %s\n| item | quantity per webhook | USD per million webhooks |\n|---|---|---|\n", s.name)
		total := 0.0
		line := func(item, quantity string, usd float64) {
			total += usd
			fmt.Fprintf(&b, "| %s | %s | %.2f |\n", item, quantity, usd)
		}
		line("API Gateway REST request", "1", 1e6*capacity.Prices.APIGatewayREST)
		line("WAF request", "1", 1e6*capacity.Prices.WAFRequest)
		var logBytes, gbSeconds, requests, traces float64
		for _, l := range m.lambda {
			perInvocation := 1.0 // the receiver's: one per delivery
			if l.name != "receiver" {
				perInvocation = float64(l.records) / n / s.batch
			}
			// Each invocation is billed in whole milliseconds, rounded up.
			billedMs := perInvocation * math.Ceil(l.awsMs(n)/perInvocation)
			gbSeconds += float64(l.memoryMB) / 1024 * billedMs / 1000
			requests += perInvocation
			traces += perInvocation * capacity.XRaySampled(s.perSecond*perInvocation)
			logBytes += float64(l.logBytes)/n + float64(capacity.LambdaPlatformLogBytes)*perInvocation
		}
		logBytes += float64(capacity.APIAccessLogBytes)
		line("Lambda requests (arm64)", fmt.Sprintf("%.3f", requests), 1e6*requests*capacity.Prices.LambdaRequest)
		line("Lambda duration (arm64)", fmt.Sprintf("%.6f GB-s", gbSeconds), 1e6*gbSeconds*capacity.Prices.LambdaGBSecondArm)
		line("DynamoDB write request units", fmt.Sprintf("%.2f", wru), 1e6*wru*capacity.Prices.DynamoDBWRU)
		line("DynamoDB read request units", fmt.Sprintf("%.2f", rru), 1e6*rru*capacity.Prices.DynamoDBRRU)
		line("DynamoDB Streams reads", "by Lambda: free", 0)
		storedGBMonths := storedBytes / (1 << 30) * retainedMonths
		line("DynamoDB storage and PITR, 35 days", fmt.Sprintf("%.0f bytes stored", storedBytes), 1e6*storedGBMonths*(capacity.Prices.DynamoDBStorageGBMonth+capacity.Prices.DynamoDBPITRGBMonth))
		line("KMS", "data keys cached: about 0", 0)
		line("X-Ray traces (default sampling)", fmt.Sprintf("%.3f", traces), 1e6*traces*capacity.Prices.XRayTrace)
		line("CloudWatch Logs ingestion", fmt.Sprintf("%.0f bytes", logBytes), 1e6*logBytes/(1<<30)*capacity.Prices.LogsIngestGB)
		line("SQS (dead letters only)", "0", 0)
		fmt.Fprintf(&b, "| total | | %.2f |\n", total)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ownMs is the function's time per webhook but DynamoDB Local's.
func (l lambdaLine) ownMs(n float64) float64 { return ms(l.elapsed-l.dynamoElapsed) / n }

// awsMs is ownMs with dynamoMs for each DynamoDB request.
func (l lambdaLine) awsMs(n float64) float64 {
	return l.ownMs(n) + dynamoMs*float64(l.dynamoRequests)/n
}

// invocations times a handler's invocations.
type invocations struct {
	mu      sync.Mutex
	n, recs int
	elapsed time.Duration
}

func (i *invocations) add(records int, d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.n++
	i.recs += records
	i.elapsed += d
}

func (i *invocations) timed(h stream.Handler) stream.Handler {
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		start := time.Now()
		resp, err := h(ctx, e)
		i.add(len(e.Records), time.Since(start))
		return resp, err
	}
}

func (i *invocations) count() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.n
}

func (i *invocations) records() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.recs
}

func (i *invocations) total() time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.elapsed
}

// countingWriter counts what a logger writes.
type countingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n += len(p)
	return len(p), nil
}

func (w *countingWriter) bytes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// countPublished counts the canonical events normalized, each of which an
// event bus would get once applied: all of them, in this run.
func countPublished(p *countingPublisher) func(payment.Delivery) (payment.Event, error) {
	return func(d payment.Delivery) (payment.Event, error) {
		e, err := registry.Normalize(d)
		if err == nil {
			_ = p.Publish(context.Background(), e)
		}
		return e, err
	}
}

type countingPublisher struct {
	mu sync.Mutex
	n  int
}

func (p *countingPublisher) Publish(context.Context, payment.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return nil
}

func (p *countingPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// failingDLQ fails the test: no webhook of this run may fail.
type failingDLQ struct {
	deadletter.Queue
	t *testing.T
}

func (d failingDLQ) Send(_ context.Context, body []byte) error {
	d.t.Errorf("dead letter: %s", body)
	return nil
}

// memorySize is the function's memory_size default in the OpenTofu module.
func memorySize(t *testing.T, function string) int {
	t.Helper()
	tf, err := os.ReadFile("../../tofu/modules/webhook-pipeline/variables.tf")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)variable "` + function + `" \{.*?memory_size\s*=\s*(\d+)`).FindSubmatch(tf)
	if m == nil {
		t.Fatalf("no memory_size for %s in the module's variables", function)
	}
	mb, _ := strconv.Atoi(string(m[1]))
	return mb
}
