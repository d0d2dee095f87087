package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/store"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestReceiverDefaults(t *testing.T) {
	is := is.New(t)
	var c config.Receiver
	is.NoErr(config.Load(env(nil), &c))
	is.Equal(c, config.Receiver{
		MaxBodyBytes: 262144, TimestampTolerance: 5 * time.Minute, Retention: 840 * time.Hour,
		StoreTimeout: 5 * time.Second, PayPalTransmissionWindow: 5 * time.Minute, LogLevel: "info",
	})
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"PAYHOOK_TIMESTAMP_TOLERANCE": "300"}, "PAYHOOK_TIMESTAMP_TOLERANCE: not a duration (examples: 30s, 5m, 840h)"},
		{map[string]string{"PAYHOOK_TIMESTAMP_TOLERANCE": "2h"}, "PAYHOOK_TIMESTAMP_TOLERANCE: must be at most 1h"},
		{map[string]string{"PAYHOOK_MAX_BODY_BYTES": "big"}, "PAYHOOK_MAX_BODY_BYTES: not a whole number"},
		{map[string]string{"PAYHOOK_MAX_BODY_BYTES": "10"}, "PAYHOOK_MAX_BODY_BYTES: must be at least 1024"},
		{map[string]string{"PAYHOOK_MAX_BODY_BYTES": "1000000"}, "PAYHOOK_MAX_BODY_BYTES: must be at most 358400"},
		{map[string]string{"PAYHOOK_RETENTION": "24h"}, "PAYHOOK_RETENTION: must be at least 72h"},
		{map[string]string{"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": "30s"}, "PAYHOOK_PAYPAL_TRANSMISSION_WINDOW: must be at least 1m"},
		{map[string]string{"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": "100h"}, "PAYHOOK_PAYPAL_TRANSMISSION_WINDOW: must be at most 72h"},
		{map[string]string{"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": "72h", "PAYHOOK_RETENTION": "72h"}, "PAYHOOK_RETENTION: must be at least PAYHOOK_PAYPAL_TRANSMISSION_WINDOW plus 1h (73h0m0s)"},
		{map[string]string{"PAYHOOK_LOG_LEVEL": "loud"}, "PAYHOOK_LOG_LEVEL: must be one of debug, info, warn, error"},
		{map[string]string{"PAYHOOK_PAYPAL_SANDBOX": "maybe"}, "PAYHOOK_PAYPAL_SANDBOX: not true or false"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			var c config.Receiver
			err := config.Load(env(tc.vars), &c)
			is.New(t).Equal(err.Error(), tc.want)
		})
	}
}

func TestReceiverAWSSettings(t *testing.T) {
	is := is.New(t)
	var c config.ReceiverAWS
	is.Equal(config.Load(env(nil), &c).Error(), "PAYHOOK_TABLE_NAME: required")

	c = config.ReceiverAWS{}
	err := config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_SECRETS_ARN": "whsec_oops"}), &c)
	is.Equal(err.Error(), "PAYHOOK_SECRETS_ARN: must start with arn:") // and never echoes the value

	c = config.ReceiverAWS{}
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_SECRETS_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev"}), &c))
	is.Equal(c.SecretsRefresh, 5*time.Minute)
}

func TestProcessorSettings(t *testing.T) {
	is := is.New(t)
	var c config.Processor
	err := config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_DLQ_URL": "not a url", "PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev"}), &c)
	is.Equal(err.Error(), "PAYHOOK_DLQ_URL: must be a URL")

	c = config.Processor{}
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_DLQ_URL": "https://sqs.ap-southeast-1.amazonaws.com/123456789012/payhook-dlq-dev", "PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev"}), &c))
	is.Equal(c.CriticalTypes, []payment.Type{payment.DisputeOpened, payment.Failed})
	is.Equal(c.EventBusName, "")
	is.Equal(c.APISecretsARN, "") // confirms nothing without API credentials

	c = config.Processor{}
	err = config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_DLQ_URL": "https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev", "PAYHOOK_API_SECRETS_ARN": "sk_live_oops"}), &c)
	is.Equal(err.Error(), "PAYHOOK_API_SECRETS_ARN: must start with arn:")
}

// Issue 23, item 5: the reconciler reads the API credentials' secret, and
// is told no other.
func TestReconcilerSettings(t *testing.T) {
	is := is.New(t)
	const topic = "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev"
	var c config.Reconciler
	err := config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_ALERT_TOPIC_ARN": topic, "PAYHOOK_SECRETS_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev/providers"}), &c)
	is.Equal(err.Error(), "PAYHOOK_API_SECRETS_ARN: required")

	c = config.Reconciler{}
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_ALERT_TOPIC_ARN": topic, "PAYHOOK_API_SECRETS_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev/provider-apis"}), &c))
	is.Equal(c.APISecretsARN, "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev/provider-apis")
}

func TestMetricsSettings(t *testing.T) {
	is := is.New(t)
	var c config.Metrics
	is.NoErr(config.Load(env(nil), &c))
	is.Equal(c.Namespace, "payhook")
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_METRICS_NAMESPACE": "payhook/prod"}), &c))
	is.Equal(c.Namespace, "payhook/prod")
	is.Equal(config.Load(env(map[string]string{"PAYHOOK_METRICS_NAMESPACE": "AWS/Lambda"}), &c).Error(), "PAYHOOK_METRICS_NAMESPACE: must not start with AWS/")
	is.Equal(config.Load(env(map[string]string{"PAYHOOK_METRICS_NAMESPACE": "payhook\tprod"}), &c).Error(), "PAYHOOK_METRICS_NAMESPACE: must be printable ASCII")
}

// TestDefaultsAreThePackagesOwn: where a package has its own default for
// a setting, the configuration's default is the same value, so the two
// cannot drift apart.
func TestDefaultsAreThePackagesOwn(t *testing.T) {
	is := is.New(t)
	var r config.Receiver
	is.NoErr(config.Load(env(nil), &r))
	is.Equal(r.TimestampTolerance, provider.DefaultTolerance)
	is.Equal(r.PayPalTransmissionWindow, provider.DefaultTolerance)
	is.Equal(r.Retention, store.DefaultRetention)
	var p config.Processor
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_DLQ_URL": "https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:a"}), &p))
	is.Equal(p.CriticalTypes, process.DefaultCritical)
	var f config.Forwarder
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_FORWARD_DESTINATIONS": "[]"}), &f))
	is.Equal(f.RetryWindow, forward.DefaultRetryWindow)
}

func TestForwarderSettings(t *testing.T) {
	is := is.New(t)
	var f config.Forwarder
	is.Equal(config.Load(env(nil), &f).Error(), "PAYHOOK_FORWARD_DESTINATIONS: required")
	f = config.Forwarder{}
	err := config.Load(env(map[string]string{"PAYHOOK_FORWARD_DESTINATIONS": "[]", "PAYHOOK_FORWARD_RETRY_WINDOW": "30m"}), &f)
	is.Equal(err.Error(), "PAYHOOK_FORWARD_RETRY_WINDOW: must be at least 1h")
}

func TestCriticalTypesAreCanonical(t *testing.T) {
	is := is.New(t)
	var s config.Serve
	is.NoErr(config.Load(env(map[string]string{"PAYHOOK_CRITICAL_EVENT_TYPES": "payment.succeeded, dispute.updated"}), &s))
	is.Equal(s.CriticalTypes, []payment.Type{payment.Succeeded, payment.DisputeUpdated})
	err := config.Load(env(map[string]string{"PAYHOOK_CRITICAL_EVENT_TYPES": "dispute.opened,payment.lost"}), &s)
	is.True(strings.HasPrefix(err.Error(), `PAYHOOK_CRITICAL_EVENT_TYPES: "payment.lost" is not a canonical event type (payment.succeeded, `))
}

func TestLocalSettings(t *testing.T) {
	is := is.New(t)
	var l config.Local
	is.NoErr(config.Load(env(nil), &l))
	is.Equal(l, config.Local{Addr: "127.0.0.1:8080", DataDir: ".payhook"})
	for _, good := range []string{":9001", "[::1]:0", "localhost:8080"} {
		is.NoErr(config.Load(env(map[string]string{"PAYHOOK_ADDR": good}), &l))
	}
	for _, bad := range []string{"8080", "localhost", "http://127.0.0.1:8080"} {
		is.Equal(config.Load(env(map[string]string{"PAYHOOK_ADDR": bad}), &l).Error(), "PAYHOOK_ADDR: must be a host and port, such as 127.0.0.1:8080")
	}
}

func TestAStringsLimitIsInCharacters(t *testing.T) {
	var p config.Processor
	err := config.Load(env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_DLQ_URL": "https://sqs.example/q",
		"PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:a", "PAYHOOK_EVENT_BUS_NAME": strings.Repeat("b", 257)}), &p)
	is.New(t).Equal(err.Error(), "PAYHOOK_EVENT_BUS_NAME: must be at most 256 characters")
}

// TestEachSettingIsDeclaredOnce: every struct's field names a setting that
// exists, and the settings' defaults pass their own rules.
func TestEachSettingIsDeclaredOnce(t *testing.T) {
	is := is.New(t)
	defaults := env(map[string]string{"PAYHOOK_TABLE_NAME": "payhook-dev", "PAYHOOK_SECRETS_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:p",
		"PAYHOOK_API_SECRETS_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:a",
		"PAYHOOK_DLQ_URL":         "https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN": "arn:aws:sns:ap-southeast-1:123456789012:a", "PAYHOOK_FORWARD_DESTINATIONS": "[]"})
	read := map[string]bool{}
	for _, target := range []any{&config.Local{}, &config.Serve{}, &config.Receiver{}, &config.ReceiverAWS{}, &config.Processor{},
		&config.Metrics{}, &config.Reconcile{}, &config.Reconciler{}, &config.Auditor{}, &config.Forwarder{}} {
		is.NoErr(config.Load(defaults, target)) // panics on a setting not declared
		fields := reflect.TypeOf(target).Elem()
		for i := range fields.NumField() {
			name, _ := strings.CutSuffix(fields.Field(i).Tag.Get("env"), ",required")
			read[name] = true
		}
	}
	for _, name := range config.Names() {
		is.True(read[name]) // every declared setting is read by something
	}
}

func TestNearMisses(t *testing.T) {
	is := is.New(t)
	environ := []string{"PAYHOOK_FORWARD_SECRET=whsec_x", "PAYHOOK_LOGLEVEL=debug", "PAYHOOK_STRIPE_SIGNING_SECRET=whsec_y",
		"PAYHOOK_TEST_CACHE=/tmp/c", "PAYHOOK_LOG_LEVEL=info", "HOME=/root", "PAYHOOK_ADDR"}
	is.Equal(config.NearMisses(environ, []string{"PAYHOOK_STRIPE_SIGNING_SECRETS"}), []config.NearMiss{
		{Given: "PAYHOOK_FORWARD_SECRET", Meant: "PAYHOOK_FORWARD_SECRETS"},
		{Given: "PAYHOOK_LOGLEVEL", Meant: "PAYHOOK_LOG_LEVEL"},
		{Given: "PAYHOOK_STRIPE_SIGNING_SECRET", Meant: "PAYHOOK_STRIPE_SIGNING_SECRETS"},
	}) // PAYHOOK_TEST_CACHE is no near miss: the tests' own
}
