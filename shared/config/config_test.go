package config_test

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
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
	is.Equal(c.CriticalTypes, "dispute.opened,payment.failed")
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
	critical, err := process.ParseCritical(p.CriticalTypes)
	is.NoErr(err)
	is.Equal(critical, process.DefaultCritical)
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
